// Logon view: filter the table by text, failures only, or a clicked chart bar
// (account, logon type or hour); chart tooltips in the shared tooltip.
(function(){
var H = window.huntrsViews;
H.init('logon', function(root, data){
  var rows = Array.prototype.slice.call(root.querySelectorAll('.hv-logon-table tbody tr'));
  var texts = rows.map(function(r){ return r.textContent.toLowerCase(); });
  var state = {q: '', fail: false, filter: null, value: null};
  var tools = root.querySelector('.hv-logon-tools');
  tools.innerHTML = '<input type="search" placeholder="filter rows" size="28"> ' +
    '<label><input type="checkbox"> failures only</label>' +
    '<button type="button">clear</button> <span class="hv-note"></span>';
  var search = tools.querySelector('input[type=search]');
  var fail = tools.querySelector('input[type=checkbox]');
  var count = tools.querySelector('span');
  function cell(row, index){ var c = row.cells[index]; return c ? c.textContent : ''; }
  function apply(){
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i], ok = true;
      if (state.fail && !r.classList.contains('hv-fail')) ok = false;
      if (ok && state.q && texts[i].indexOf(state.q) < 0) ok = false;
      if (ok && state.filter === 'hour') ok = r.getAttribute('data-h') === state.value;
      else if (ok && state.filter) ok = cell(r, data[state.filter]) === state.value;
      r.style.display = ok ? '' : 'none';
      if (ok) shown++;
    }
    count.textContent = shown + ' of ' + rows.length + ' rows' +
      (state.filter ? ' (' + (state.filter === 'kind' ? 'type' : state.filter) + ': ' + state.value + ')' : '');
    var bars = root.querySelectorAll('.hv-bar');
    for (var j = 0; j < bars.length; j++) {
      var chart = bars[j].parentNode.getAttribute('data-filter');
      bars[j].classList.toggle('hv-on', chart === state.filter && bars[j].getAttribute('data-value') === state.value);
    }
  }
  search.addEventListener('input', function(){ state.q = search.value.toLowerCase(); apply(); });
  fail.addEventListener('change', function(){ state.fail = fail.checked; apply(); });
  tools.querySelector('button').addEventListener('click', function(){
    state = {q: '', fail: false, filter: null, value: null}; search.value = ''; fail.checked = false; apply();
  });
  var tip = H.tip(root);
  var bars = root.querySelectorAll('.hv-bar');
  for (var i = 0; i < bars.length; i++) {
    // Keep the static <title> text for the shared tooltip, without the native one.
    var t = bars[i].querySelector('title');
    if (t) { bars[i].setAttribute('data-tip', t.textContent); bars[i].removeChild(t); }
    bars[i].addEventListener('mousemove', function(ev){ tip.show(this.getAttribute('data-tip'), ev); });
    bars[i].addEventListener('mouseleave', tip.hide);
    bars[i].addEventListener('click', function(){
      var chart = this.parentNode.getAttribute('data-filter'), value = this.getAttribute('data-value');
      var same = state.filter === chart && state.value === value;
      state.filter = same ? null : chart; state.value = same ? null : value;
      apply();
    });
  }
  apply();
});
})();
