//! Settings and secrets: msticpyconfig.yaml sections, value forms, overrides, and
//! redaction.
#![allow(clippy::unwrap_used)]

mod common;
mod enrich_support;

use sectools::settings::Settings;
use sectools::{Secret, SectoolsError};

fn fixture() -> Settings {
    Settings::from_path(&common::fixture("fixtures/enrich/msticpyconfig.yaml"))
        .expect("fixture parses")
}

#[test]
fn typed_sections_of_our_fixture() {
    let s = fixture();
    let ws = s.workspaces();
    assert_eq!(ws.len(), 2);
    assert_eq!(s.workspace(None).unwrap().name, "Default");
    let lab = s.workspace(Some("lab")).unwrap();
    assert_eq!(lab.workspace_id, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_eq!(lab.resource_group.as_deref(), Some("rg-lab"));
    let azure = s.azure();
    assert_eq!(azure.cloud, "usgov");
    assert_eq!(azure.auth_methods, ["cli", "msi"]);
    assert_eq!(s.query_definitions().custom, ["~/queries"]);
    assert!(s.query_definitions().default.is_empty());
    let names: Vec<String> = s
        .ti_providers()
        .iter()
        .map(|p| p.name().to_string())
        .collect();
    assert_eq!(names, ["VirusTotal", "OTX", "XForce", "GreyNoise"]);
    let otx = &s.ti_providers()[1];
    assert!(!otx.primary());
    assert_eq!(otx.provider(), "OTX");
    assert_eq!(
        otx.secret("AuthKey").unwrap().unwrap().expose(),
        "literal-otx-key-0001"
    );
    let kusto = s.kusto_clusters();
    assert_eq!(kusto.len(), 1);
    assert_eq!(
        kusto[0].arg("Cluster").unwrap().as_deref(),
        Some("https://lab.kusto.windows.net")
    );
    assert_eq!(kusto[0].arg_bool("IntegratedAuth").unwrap(), Some(true));
    assert_eq!(s.http_timeout(), Some(45.0));
    assert_eq!(
        s.other_provider("GeoIPLite")
            .unwrap()
            .arg("DBFolder")
            .unwrap()
            .as_deref(),
        Some("~/.msticpy")
    );
}

#[test]
fn secret_forms_and_their_errors() {
    let s = fixture();
    let vt = s.provider("TIProviders", "VirusTotal").unwrap();
    // Not set in the environment: the error names the setting and the variable.
    let err = vt.secret("AuthKey").unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, SectoolsError::SecretUnavailable { .. }),
        "{text}"
    );
    assert!(
        text.contains("TIProviders.VirusTotal.Args.AuthKey") && text.contains("HUNTRS_TEST_VT_KEY"),
        "{text}"
    );

    let xforce = s.provider("TIProviders", "XForce").unwrap();
    let text = xforce.secret("AuthKey").unwrap_err().to_string();
    assert!(text.contains("Keyring secrets are not available"), "{text}");
    assert!(
        text.contains("HUNTRS_TIPROVIDERS_XFORCE_ARGS_AUTHKEY"),
        "{text}"
    );

    let gn = s.provider("TIProviders", "GreyNoise").unwrap();
    let text = gn.secret("AuthKey").unwrap_err().to_string();
    assert!(
        text.contains("Key Vault secrets are not supported"),
        "{text}"
    );

    let missing = s
        .provider("TIProviders", "OTX")
        .unwrap()
        .require_secret("ApiID")
        .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("HUNTRS_TIPROVIDERS_OTX_ARGS_APIID"),
        "{missing}"
    );
}

#[test]
fn secret_never_prints() {
    let key = Secret::new(enrich_support::CANARY);
    let shown = format!("{key} {key:?} {:?}", vec![key.clone()]);
    assert_eq!(shown, "[redacted] [redacted] [[redacted]]");
}

#[test]
fn bad_yaml_names_the_file() {
    let dir = std::env::temp_dir().join(format!("huntrs-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("msticpyconfig.yaml");
    std::fs::write(&path, "TIProviders: [unclosed\n").unwrap();
    let err = Settings::from_path(&path).unwrap_err().to_string();
    assert!(err.contains("msticpyconfig.yaml"), "{err}");
    std::fs::write(&path, "- just\n- a list\n").unwrap();
    let err = Settings::from_path(&path).unwrap_err().to_string();
    assert!(err.contains("mapping of sections"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// msticpy's own test configurations parse with the expected sections.
#[test]
fn msticpy_config_files() {
    let Some(dir) = common::corpus_file("msticpy-testdata") else {
        return;
    };
    let main = Settings::from_path(&dir.join("msticpyconfig.yaml")).unwrap();
    assert_eq!(main.workspaces().len(), 2);
    assert_eq!(
        main.azure().auth_methods,
        ["env", "cli", "msi", "interactive"]
    );
    let ti: Vec<String> = main
        .ti_providers()
        .iter()
        .map(|p| p.provider().to_string())
        .collect();
    assert!(
        ti.contains(&"VirusTotal".to_string()) && ti.contains(&"Tor".to_string()),
        "{ti:?}"
    );
    let kusto: Vec<String> = main
        .kusto_clusters()
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    assert_eq!(kusto, ["Kusto-MSTIC1", "Kusto-MSTIC2"]);
    assert_eq!(
        main.kusto_clusters()[1]
            .secret("ClientSecret")
            .unwrap()
            .unwrap()
            .expose(),
        "[PLACEHOLDER]"
    );
    // The Key Vault variant: every KeyVault value is a clear error, literals still work.
    let kv = Settings::from_path(&dir.join("msticpyconfig-kv.yaml")).unwrap();
    let otx = kv.provider("TIProviders", "OTX").unwrap();
    assert!(
        otx.secret("AuthKey")
            .unwrap_err()
            .to_string()
            .contains("Key Vault")
    );
    let opr = kv.provider("TIProviders", "OpenPageRank").unwrap();
    assert!(opr.secret("AuthKey").unwrap().is_some());
    for name in [
        "msticpyconfig-SingleAzSentSettings.yaml",
        "msticpyconfig-askql.yaml",
        "msticpyconfig-no-settings.yaml",
        "msticpyconfig-noAzSentSettings.yaml",
        "msticpyconfig-nokusto.yaml",
    ] {
        let s = Settings::from_path(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let _ = (
            s.workspaces(),
            s.ti_providers(),
            s.kusto_clusters(),
            s.azure(),
        );
    }
}
