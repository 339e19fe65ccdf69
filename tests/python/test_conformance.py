"""Jupyter messaging-protocol conformance of the huntrs kernel, by jupyter_kernel_test.

Each sample attribute below feeds one of KernelTests' test methods; see the
jupyter_kernel_test source for what each one checks exactly.
"""

from __future__ import annotations

from typing import Any

import jupyter_kernel_test
from jupyter_client.manager import start_new_kernel

from huntrs_testing import CELL_TIMEOUT, STARTUP_TIMEOUT, run_ok

# KernelTests waits TIMEOUT (15 s) for inspect replies, read from the module at
# run time; rust-analyzer's first answer can take longer than that.
jupyter_kernel_test.TIMEOUT = int(CELL_TIMEOUT)
# Longest wait for the next IOPub message of a cell once its reply has come (seconds).
IOPUB_STEP = 10.0


class HuntrsKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "huntrs"

    @classmethod
    def setUpClass(cls) -> None:
        cls.km, cls.kc = start_new_kernel(kernel_name=cls.kernel_name, startup_timeout=STARTUP_TIMEOUT)
        # The first cell warms evcxr up (several seconds); the samples below are
        # then held to ordinary timeouts.
        run_ok(cls.kc, "let warm_up = 1;", timeout=CELL_TIMEOUT)

    # KernelTests' own defaults (15 s) are tight for compiling cells on a busy
    # two-core machine. After the reply it drains IOPub in 0.1 s steps until the idle
    # status; a busy machine can take longer between two messages (seen once in a full run), so
    # each step waits up to IOPUB_STEP. An idle status that never comes still fails.
    def execute_helper(self, code: str, timeout: int = int(CELL_TIMEOUT), **kwargs: Any):  # type: ignore[override]
        iopub = self.kc.iopub_channel
        get_msg = iopub.get_msg

        def patient_get_msg(timeout: float | None = None) -> dict[str, Any]:
            return get_msg(timeout=None if timeout is None else max(timeout, IOPUB_STEP))

        iopub.get_msg = patient_get_msg
        try:
            return super().execute_helper(code, timeout=timeout, **kwargs)
        finally:
            del iopub.get_msg

    def history_helper(self, execute_first: Any, timeout: float | None = CELL_TIMEOUT, **histargs: Any):  # type: ignore[override]
        return super().history_helper(execute_first, timeout=timeout, **histargs)

    # kernel_info
    language_name = "rust"
    file_extension = ".rs"

    # stdout / stderr streams
    code_hello_world = 'println!("hello, world");'
    code_stderr = 'eprintln!("something on stderr");'

    # A runtime error: exactly one output message, of type `error`.
    code_generate_error = 'panic!("boom")'

    # Final expression values: Debug formatting as text/plain, Render types as HTML.
    # These are also the cells that test_history executes and looks up.
    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": 'String::from("abc")', "result": '"abc"'},
        {"code": 'sectools::refang("hxxp://a[.]b")', "result": '"http://a.b"'},
        {
            "code": 'entities::Host::from_fqdn("web01.contoso.com")',
            "mime": "text/plain",
            "result": "Host: web01.contoso.com",
        },
        {"code": 'entities::Host::from_fqdn("web01.contoso.com")', "mime": "text/html"},
    ]
    # Glob pattern (IPython's history search) matching exactly one distinct sample.
    code_history_pattern = "*refang*"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {
            "code": 'nbtools::display(&nbtools::MimeBundle::text("hi").with_html("<b>hi</b>"));',
            "mime": "text/html",
        },
        {
            "code": 'nbtools::display(&nbtools::MimeBundle::text("hi").with_html("<b>hi</b>"));',
            "mime": "text/plain",
        },
        {
            "code": 'use nbtools::prelude::*;\ndisplay(&MimeBundle::text("prelude"));',
            "mime": "text/plain",
        },
    ]

    code_clear_output = 'println!("soon gone");\nnbtools::clear_output(false);'

    # Exact match sets (rust-analyzer through evcxr; methods come with their
    # parameters, as evcxr inserts them). Chosen to be stable across toolchains.
    completion_samples = [
        {"text": "std::collections::HashM", "matches": ["HashMap"]},
        {"text": "let s = String::new(); s.to_upp", "matches": ["to_uppercase()"]},
    ]

    code_inspect_sample = "std::vec::Vec"

    complete_code_samples = ["let x = 1;", "6*7", "fn f() {}", 'println!("hi");']
    incomplete_code_samples = ["fn f() {", "let v = vec![1,", "if true {"]
    invalid_code_samples = ["let x = )", "fn f() }"]
