//! Settings read through environment variables: `{EnvironmentVar: NAME}`, the
//! `HUNTRS_*` overrides and `MSTICPYCONFIG`. In a test binary of its own because the
//! environment is process-wide.
#![allow(clippy::unwrap_used)]

mod common;
mod enrich_support;

use sectools::settings::{Settings, env_override_name};

fn fixture() -> Settings {
    Settings::from_path(&common::fixture("fixtures/enrich/msticpyconfig.yaml"))
        .expect("fixture parses")
}

/// Every environment-dependent check in one test: the variables are process-wide.
#[test]
fn environment_variables_resolve_and_override() {
    let s = fixture();
    // SAFETY: no other test in this binary reads these variables.
    unsafe {
        std::env::set_var("HUNTRS_TEST_VT_KEY", enrich_support::CANARY);
        std::env::set_var("HUNTRS_TEST_MDE_SECRET", "mde-secret-value");
        std::env::set_var(
            env_override_name("TIProviders.OTX.Args.AuthKey"),
            "otx-from-override",
        );
        std::env::set_var(
            env_override_name("DataProviders.Kusto-Lab.Args.Cluster"),
            "https://other.kusto",
        );
        std::env::set_var(
            env_override_name("AzureSentinel.Workspaces.Default.WorkspaceId"),
            "override-ws",
        );
    }
    let vt = s.provider("TIProviders", "VirusTotal").unwrap();
    let key = vt.secret("AuthKey").unwrap().unwrap();
    assert_eq!(key.expose(), enrich_support::CANARY);
    let mde = s.data_provider("MicrosoftDefender").unwrap();
    assert_eq!(
        mde.require_secret("ClientSecret").unwrap().expose(),
        "mde-secret-value"
    );
    assert_eq!(
        s.provider("TIProviders", "OTX")
            .unwrap()
            .secret("AuthKey")
            .unwrap()
            .unwrap()
            .expose(),
        "otx-from-override"
    );
    assert_eq!(
        s.kusto_clusters()[0].arg("Cluster").unwrap().as_deref(),
        Some("https://other.kusto")
    );
    assert_eq!(s.workspace(None).unwrap().workspace_id, "override-ws");

    // Settings::load follows MSTICPYCONFIG.
    let path = common::fixture("fixtures/enrich/msticpyconfig.yaml");
    unsafe { std::env::set_var("MSTICPYCONFIG", &path) };
    assert_eq!(Settings::load().unwrap().path(), Some(path.as_path()));
    unsafe { std::env::set_var("MSTICPYCONFIG", "/nonexistent/msticpyconfig.yaml") };
    let err = Settings::load().unwrap_err().to_string();
    assert!(err.contains("/nonexistent/msticpyconfig.yaml"), "{err}");
    unsafe { std::env::remove_var("MSTICPYCONFIG") };

    // No key in any Debug or Display of settings, entries or the secret.
    let shown = format!("{s:?} {:?} {vt:?} {key:?} {key}", s.ti_providers());
    assert!(!shown.contains(enrich_support::CANARY), "{shown}");
    assert!(!shown.contains("literal-otx-key-0001"), "{shown}");
    assert!(!shown.contains("mde-secret-value"), "{shown}");
    assert!(
        shown.contains("AuthKey"),
        "argument names are shown: {shown}"
    );
}
