//! `huntrs run`: executes a notebook headlessly through the same engine the kernel
//! uses, and saves it with its outputs (or as HTML).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::comm::Comms;
use crate::execution::{CellOutcome, Engine, Interrupter, OutputSink};
use crate::preload::Preload;
use crate::wire::ChildEvent;

/// Arguments of `huntrs run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// The notebook to execute (.ipynb, nbformat 4).
    pub notebook: PathBuf,
    /// Where to write the result; default: the notebook itself (or NOTEBOOK.html with --to html).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Ipynb)]
    pub to: Format,
    /// Keep going after a cell fails (the command still exits non-zero).
    #[arg(long)]
    pub allow_errors: bool,
}

/// What `huntrs run` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The executed notebook.
    Ipynb,
    /// A standalone HTML page.
    Html,
}

/// Prints cell output to the terminal; used while building the preload cache.
#[derive(Debug)]
pub struct TerminalSink;

impl OutputSink for TerminalSink {
    fn stream(&self, _name: &str, text: &str) {
        eprint!("{text}");
    }
    fn event(&self, _event: ChildEvent) {}
    fn input(&self, _prompt: &str, _password: bool) -> Option<String> {
        None
    }
}

/// Collects outputs into nbformat cells, including updates of earlier displays.
#[derive(Debug, Default)]
struct NotebookSink {
    state: Mutex<SinkState>,
}

#[derive(Debug, Default)]
struct SinkState {
    cells: Vec<Vec<Value>>,
    current: usize,
    displays: HashMap<String, Vec<(usize, usize)>>,
    clear_on_next: bool,
    /// Widgets the cells opened: saved into the notebook's metadata, as nbclient does.
    comms: Comms,
}

impl SinkState {
    fn push(&mut self, output: Value) {
        let current = self.current;
        if self.clear_on_next {
            self.clear_on_next = false;
            self.cells[current].clear();
        }
        self.cells[current].push(output);
    }
}

impl OutputSink for NotebookSink {
    fn stream(&self, name: &str, text: &str) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let current = state.current;
        if !state.clear_on_next
            && let Some(last) = state.cells[current].last_mut()
            && last["output_type"] == "stream"
            && last["name"] == name
        {
            let joined = format!("{}{text}", last["text"].as_str().unwrap_or(""));
            last["text"] = Value::String(joined);
            return;
        }
        state.push(json!({"output_type": "stream", "name": name, "text": text}));
    }

    fn event(&self, event: ChildEvent) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        match event {
            ChildEvent::Display {
                data,
                metadata,
                display_id,
                update,
            } => {
                if update {
                    let targets = display_id
                        .and_then(|id| state.displays.get(&id).cloned())
                        .unwrap_or_default();
                    for (cell, index) in targets {
                        if let Some(output) =
                            state.cells.get_mut(cell).and_then(|c| c.get_mut(index))
                        {
                            output["data"] = json!(data);
                            output["metadata"] = json!(metadata);
                        }
                    }
                    return;
                }
                state.push(
                    json!({"output_type": "display_data", "data": data, "metadata": metadata}),
                );
                if let Some(id) = display_id {
                    let location = (state.current, state.cells[state.current].len() - 1);
                    state.displays.entry(id).or_default().push(location);
                }
            }
            ChildEvent::Clear { wait } => {
                let current = state.current;
                if wait {
                    state.clear_on_next = true;
                } else {
                    state.cells[current].clear();
                }
            }
            ChildEvent::CommOpen {
                comm_id,
                target_name,
                data,
                listen,
                ..
            } => state
                .comms
                .opened_by_kernel(&comm_id, &target_name, &data, listen),
            ChildEvent::CommMsg { comm_id, data, .. } => {
                state.comms.sent_by_kernel(&comm_id, &data)
            }
            ChildEvent::CommClose { comm_id, .. } => {
                state.comms.closed(&comm_id);
            }
            ChildEvent::Panic { .. }
            | ChildEvent::Interrupted
            | ChildEvent::CellError { .. }
            | ChildEvent::QuestionMarkError => {}
        }
    }

    fn input(&self, prompt: &str, _password: bool) -> Option<String> {
        // No user to ask; widget state questions are answered from the mirror.
        let query = crate::wire::kernel_query(prompt)?;
        Some(self.state.lock().ok()?.comms.answer(query))
    }
}

fn source_text(cell: &Value) -> String {
    match &cell["source"] {
        Value::String(text) => text.clone(),
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

/// Executes the notebook; fails (after saving) if a cell failed.
pub fn run(args: &RunArgs, preload: &Preload) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.notebook)
        .with_context(|| format!("cannot read notebook {}", args.notebook.display()))?;
    let mut notebook: Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a valid .ipynb (JSON) file",
            args.notebook.display()
        )
    })?;
    if notebook["nbformat"].as_u64() != Some(4) {
        bail!("{} is not an nbformat 4 notebook", args.notebook.display());
    }
    let Some(cells) = notebook["cells"].as_array_mut() else {
        bail!("{} has no \"cells\" list", args.notebook.display());
    };
    let sink = Arc::new(NotebookSink::default());
    if let Ok(mut state) = sink.state.lock() {
        state.cells = vec![Vec::new(); cells.len()];
    }
    let engine_sink: Arc<dyn OutputSink> = sink.clone();
    let mut engine = Engine::start(preload, engine_sink, Interrupter::default())?;
    let code_cells = cells.iter().filter(|c| c["cell_type"] == "code").count();
    let mut count = 0;
    let mut failures = Vec::new();
    for (index, cell) in cells.iter_mut().enumerate() {
        if cell["cell_type"] != "code" {
            continue;
        }
        count += 1;
        if let Ok(mut state) = sink.state.lock() {
            state.current = index;
            state.clear_on_next = false;
        }
        let started = std::time::Instant::now();
        let outcome = engine.execute(&source_text(cell), false);
        let mut outputs = sink
            .state
            .lock()
            .map(|mut s| std::mem::take(&mut s.cells[index]))
            .unwrap_or_default();
        let verdict = match outcome {
            CellOutcome::Value(Some(data)) => {
                outputs.push(
                    json!({"output_type": "execute_result", "execution_count": count,
                                    "data": data, "metadata": {}}),
                );
                String::from("ok")
            }
            CellOutcome::Value(None) => String::from("ok"),
            CellOutcome::Error(error) => {
                outputs.push(json!({"output_type": "error", "ename": error.ename,
                                    "evalue": error.evalue, "traceback": error.traceback}));
                failures.push(format!("cell {count}: {}: {}", error.ename, error.evalue));
                format!(
                    "{}: {}",
                    error.ename,
                    error.evalue.lines().next().unwrap_or("")
                )
            }
        };
        cell["execution_count"] = json!(count);
        cell["outputs"] = Value::Array(outputs.clone());
        if let Ok(mut state) = sink.state.lock() {
            // Later display updates may still change this cell.
            state.cells[index] = outputs;
        }
        eprintln!(
            "huntrs run: cell {count}/{code_cells} {verdict} ({:.2} s)",
            started.elapsed().as_secs_f64()
        );
        if !failures.is_empty() && !args.allow_errors {
            break;
        }
    }
    // Displays updated after their cell ran: take the final state of every cell.
    if let Ok(state) = sink.state.lock() {
        for (index, cell) in cells.iter_mut().enumerate() {
            if cell["cell_type"] == "code" && !state.cells[index].is_empty() {
                cell["outputs"] = Value::Array(state.cells[index].clone());
            }
        }
        // Widget state, so saved notebooks and their HTML show the widgets.
        if let Some(widgets) = state.comms.notebook_state() {
            notebook["metadata"]["widgets"] =
                json!({"application/vnd.jupyter.widget-state+json": widgets});
        }
    }
    let output = write_output(args, &notebook)?;
    eprintln!("huntrs run: wrote {}", output.display());
    if failures.is_empty() {
        Ok(())
    } else {
        bail!(
            "{} cell(s) failed:\n{}",
            failures.len(),
            failures.join("\n")
        )
    }
}

fn write_output(args: &RunArgs, notebook: &Value) -> anyhow::Result<PathBuf> {
    let (path, text) = match args.to {
        Format::Ipynb => (
            args.output.clone().unwrap_or_else(|| args.notebook.clone()),
            serde_json::to_string_pretty(notebook)? + "\n",
        ),
        Format::Html => (
            args.output
                .clone()
                .unwrap_or_else(|| args.notebook.with_extension("html")),
            render_html(notebook, &args.notebook),
        ),
    };
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn markdown(text: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(text));
    html
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        other => other.to_string(),
    }
}

fn render_output(output: &Value) -> String {
    match output["output_type"].as_str() {
        Some("stream") => format!(
            "<pre class=\"{}\">{}</pre>",
            escape(output["name"].as_str().unwrap_or("stdout")),
            escape(&text_of(&output["text"]))
        ),
        Some("error") => {
            let traceback: Vec<String> = output["traceback"]
                .as_array()
                .map(|t| t.iter().filter_map(Value::as_str).map(strip_ansi).collect())
                .unwrap_or_default();
            format!(
                "<pre class=\"error\">{}</pre>",
                escape(&traceback.join("\n"))
            )
        }
        Some("display_data" | "execute_result") => {
            let data = &output["data"];
            if let Some(html) = data.get("text/html") {
                format!("<div class=\"html\">{}</div>", text_of(html))
            } else if let Some(svg) = data.get("image/svg+xml") {
                format!("<div class=\"svg\">{}</div>", text_of(svg))
            } else if let Some(png) = data.get("image/png") {
                format!(
                    "<img src=\"data:image/png;base64,{}\">",
                    text_of(png).trim()
                )
            } else if let Some(md) = data.get("text/markdown") {
                markdown(&text_of(md))
            } else if let Some(json) = data.get("application/json") {
                format!(
                    "<pre>{}</pre>",
                    escape(&serde_json::to_string_pretty(json).unwrap_or_default())
                )
            } else if let Some(plain) = data.get("text/plain") {
                format!("<pre>{}</pre>", escape(&text_of(plain)))
            } else {
                String::new()
            }
        }
        _ => String::new(),
    }
}

fn render_html(notebook: &Value, path: &Path) -> String {
    let title = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut body = String::new();
    for cell in notebook["cells"].as_array().into_iter().flatten() {
        let source = source_text(cell);
        match cell["cell_type"].as_str() {
            Some("markdown") => body.push_str(&format!(
                "<section class=\"md\">{}</section>\n",
                markdown(&source)
            )),
            Some("code") => {
                let count = cell["execution_count"]
                    .as_u64()
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                body.push_str(&format!(
                    "<section class=\"code\"><div class=\"prompt\">[{count}]</div><pre class=\"input\">{}</pre>",
                    escape(&source)
                ));
                for output in cell["outputs"].as_array().into_iter().flatten() {
                    body.push_str(&render_output(output));
                }
                body.push_str("</section>\n");
            }
            _ => {}
        }
    }
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title><style>\n\
         body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}\n\
         pre{{background:#f6f8fa;padding:.5rem;overflow-x:auto}} pre.input{{border-left:3px solid #f5a623}}\n\
         pre.stderr{{background:#fff5f5}} pre.error{{background:#ffe0e0;color:#900}}\n\
         .prompt{{color:#888;font-size:.8rem}}\n</style></head><body>\n{body}</body></html>\n",
        escape(&title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_merges_streams_and_updates_displays() {
        let sink = NotebookSink::default();
        sink.state.lock().expect("lock").cells = vec![Vec::new(), Vec::new()];
        sink.stream("stdout", "a\n");
        sink.stream("stdout", "b\n");
        sink.stream("stderr", "c\n");
        let data =
            |text: &str| std::collections::BTreeMap::from([("text/plain".to_owned(), json!(text))]);
        sink.event(ChildEvent::Display {
            data: data("one"),
            metadata: Default::default(),
            display_id: Some("d".into()),
            update: false,
        });
        sink.state.lock().expect("lock").current = 1;
        sink.event(ChildEvent::Display {
            data: data("two"),
            metadata: Default::default(),
            display_id: Some("d".into()),
            update: true,
        });
        let state = sink.state.lock().expect("lock");
        assert_eq!(state.cells[0][0]["text"], "a\nb\n");
        assert_eq!(state.cells[0][1]["name"], "stderr");
        assert_eq!(state.cells[0][2]["data"]["text/plain"], "two");
        assert!(state.cells[1].is_empty());
    }

    #[test]
    fn html_escapes_code_and_keeps_rich_output() {
        let notebook = json!({"cells": [
            {"cell_type": "markdown", "source": "# Tour"},
            {"cell_type": "code", "execution_count": 1, "source": ["let x = 1 < 2;"],
             "outputs": [{"output_type": "execute_result", "data": {"text/html": "<b>bold</b>", "text/plain": "b"}},
                         {"output_type": "error", "ename": "panic", "evalue": "x", "traceback": ["\u{1b}[31mboom\u{1b}[0m"]}]}
        ]});
        let html = render_html(&notebook, Path::new("t.ipynb"));
        assert!(html.contains("<h1>Tour</h1>"), "{html}");
        assert!(html.contains("let x = 1 &lt; 2;"));
        assert!(html.contains("<b>bold</b>"));
        assert!(html.contains(">boom</pre>"));
    }
}
