//! Azure AD sign-in methods other than a client secret: a certificate (signed client
//! assertion), device code, and the Azure CLI — each against a local token endpoint and
//! a Log Analytics endpoint that checks the token.

mod remote_common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use data::drivers::{
    AzureAuth, AzureCloud, AzureCredential, ClientCertificate, DeviceCodePrompt,
    LogAnalyticsConfig, LogAnalyticsDriver,
};
use data::{Driver, RunOptions};
use remote_common::*;
use serde_json::{Value as Json, json};

const WORKSPACE: &str = "52b1ab41-869e-4138-9e40-2a4457f09bf3";
const LA_SCOPE: &str = "https://api.loganalytics.io/.default";

fn cloud(base: &str) -> AzureCloud {
    AzureCloud {
        authority: base.into(),
        log_analytics: base.into(),
        resource_manager: base.into(),
        ..AzureCloud::global()
    }
}

fn config(base: &str) -> LogAnalyticsConfig {
    let mut c = LogAnalyticsConfig::new(WORKSPACE, TENANT);
    c.cloud = cloud(base);
    c.subscription_id = Some("sub-1".into());
    c.resource_group = Some("rg-1".into());
    c.workspace_resource_name = Some("ws-1".into());
    c.http = test_http();
    c
}

/// Log Analytics and Resource Manager answers for a request bearing `token`.
fn service(seen: &Seen, token: &str) -> Reply {
    if seen.header("authorization") != Some(&format!("Bearer {token}")) {
        return Reply::json(
            401,
            &json!({"error": {"code": "InvalidAuthenticationToken", "message": "bad token"}}),
        );
    }
    if seen.path().ends_with("/tables") {
        return Reply::raw(200, read_fixture("arm_tables.json"));
    }
    Reply::raw(200, read_fixture("la_query_types.json"))
}

fn cert() -> ClientCertificate {
    let pem = read_fixture("test-app-cert.pem");
    ClientCertificate::from_pem(&pem, &pem).expect("fixture certificate")
}

#[test]
fn a_certificate_signs_a_client_assertion_azure_ad_can_verify() {
    // `openssl x509 -noout -fingerprint -sha1` of the fixture, as base64url.
    let fingerprint = "720AE1F478FA21DCE82867F5972A13E1FC2E945D";
    let bytes: Vec<u8> = (0..20)
        .map(|i| u8::from_str_radix(&fingerprint[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    let x5t = URL_SAFE_NO_PAD.encode(bytes);
    assert_eq!(cert().x5t(), x5t);

    let public_key = cert().public_key_der();
    let srv = FakeServer::start(move |seen| {
        if !seen.path().ends_with("/oauth2/v2.0/token") {
            return service(seen, TOKEN);
        }
        let form = seen.form();
        let ok_form = form.get("grant_type").map(String::as_str) == Some("client_credentials")
            && form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
            && form.get("scope").map(String::as_str) == Some(LA_SCOPE)
            && form.get("client_assertion_type").map(String::as_str)
                == Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            && !form.contains_key("client_secret");
        let jwt = form.get("client_assertion").cloned().unwrap_or_default();
        let parts: Vec<&str> = jwt.split('.').collect();
        let verified = parts.len() == 3 && {
            let header: Json =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap_or_default())
                    .unwrap_or(Json::Null);
            let claims: Json =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap_or_default())
                    .unwrap_or(Json::Null);
            let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap_or_default();
            let signed = format!("{}.{}", parts[0], parts[1]);
            let key = ring::signature::UnparsedPublicKey::new(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                &public_key,
            );
            let host = seen.header("host").unwrap_or_default();
            header["alg"] == "RS256"
                && header["x5t"] == json!(x5t)
                && claims["iss"] == CLIENT_ID
                && claims["sub"] == CLIENT_ID
                && claims["aud"] == json!(format!("http://{host}/{TENANT}/oauth2/v2.0/token"))
                && claims["exp"].as_i64() > claims["nbf"].as_i64()
                && key.verify(signed.as_bytes(), &sig).is_ok()
        };
        if ok_form && verified {
            Reply::json(
                200,
                &json!({"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}),
            )
        } else {
            Reply::json(
                401,
                &json!({"error": "invalid_client", "error_description": "AADSTS700027: Client assertion failed signature validation."}),
            )
        }
    });
    let creds = vec![AzureCredential::Certificate {
        tenant_id: TENANT.into(),
        client_id: CLIENT_ID.into(),
        certificate: Arc::new(cert()),
    }];
    let mut d = LogAnalyticsDriver::new(config(&srv.base), creds).expect("driver");
    let df = d
        .run("T", &RunOptions::default())
        .expect("signed in with the certificate");
    assert_eq!(df.height(), 3);
    assert!(format!("{d:?}").contains(&cert().x5t().to_owned()));
}

#[test]
fn a_pem_without_a_key_or_with_an_encrypted_key_is_refused_clearly() {
    let pem = read_fixture("test-app-cert.pem");
    let cert_only: String = pem
        .split("-----BEGIN PRIVATE KEY-----")
        .next()
        .unwrap_or_default()
        .to_owned();
    let err = ClientCertificate::from_pem(&cert_only, &cert_only).expect_err("no key");
    assert!(err.contains("no PRIVATE KEY"), "{err}");
    let err = ClientCertificate::from_pem(
        &cert_only,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .expect_err("encrypted");
    assert!(err.contains("encrypted"), "{err}");
}

#[test]
fn device_code_shows_the_prompt_polls_and_reuses_the_refresh_token() {
    let polls = Arc::new(AtomicUsize::new(0));
    let p = Arc::clone(&polls);
    let srv = FakeServer::start(move |seen| {
        let path = seen.path();
        let form = seen.form();
        if path == format!("/{TENANT}/oauth2/v2.0/devicecode") {
            assert_eq!(
                form.get("client_id").map(String::as_str),
                Some(data::drivers::AZURE_CLI_CLIENT_ID)
            );
            return Reply::json(
                200,
                &json!({
                    "device_code": "GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8",
                    "user_code": "ABCD-EFGH",
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900,
                    "interval": 5,
                    "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate."
                }),
            );
        }
        if path.ends_with("/oauth2/v2.0/token") {
            match form.get("grant_type").map(String::as_str) {
                Some("urn:ietf:params:oauth:grant-type:device_code") => {
                    if p.fetch_add(1, Ordering::SeqCst) < 2 {
                        return Reply::json(
                            400,
                            &json!({"error": "authorization_pending", "error_description": "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling."}),
                        );
                    }
                    return Reply::json(
                        200,
                        &json!({"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN, "refresh_token": "0.refresh-CANARY"}),
                    );
                }
                Some("refresh_token")
                    if form.get("refresh_token").map(String::as_str)
                        == Some("0.refresh-CANARY") =>
                {
                    return Reply::json(
                        200,
                        &json!({"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}),
                    );
                }
                _ => {
                    return Reply::json(
                        400,
                        &json!({"error": "invalid_grant", "error_description": "AADSTS9002313: Invalid request."}),
                    );
                }
            }
        }
        service(seen, TOKEN)
    });
    let prompts: Arc<Mutex<Vec<DeviceCodePrompt>>> = Arc::default();
    let shown = Arc::clone(&prompts);
    let creds = vec![AzureCredential::DeviceCode {
        tenant_id: TENANT.into(),
        client_id: data::drivers::AZURE_CLI_CLIENT_ID.into(),
    }];
    let http = sectools::http::HttpClient::new(test_http()).expect("client");
    let auth = AzureAuth::new(creds.clone(), &srv.base, http)
        .with_poll_interval(Duration::from_millis(20))
        .with_device_code_handler(Arc::new(move |p: &DeviceCodePrompt| {
            shown.lock().expect("lock").push(p.clone())
        }));
    let mut d = LogAnalyticsDriver::new(config(&srv.base), creds)
        .expect("driver")
        .with_auth(auth);
    let df = d.run("T", &RunOptions::default()).expect("signed in");
    assert_eq!(df.height(), 3);
    let shown = prompts.lock().expect("lock").clone();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].user_code, "ABCD-EFGH");
    assert_eq!(
        shown[0].verification_uri,
        "https://microsoft.com/devicelogin"
    );
    assert!(shown[0].message.contains("enter the code ABCD-EFGH"));
    assert_eq!(polls.load(Ordering::SeqCst), 3);
    // Another resource (Resource Manager, for the table list) through the refresh
    // token: no second prompt.
    let tables = d.schema().expect("tables");
    assert_eq!(tables.len(), 2);
    assert_eq!(prompts.lock().expect("lock").len(), 1);
    let refresh = srv
        .requests_to("/oauth2/v2.0/token")
        .into_iter()
        .filter(|s| s.form().get("grant_type").map(String::as_str) == Some("refresh_token"))
        .count();
    assert_eq!(refresh, 1);
}

#[test]
fn the_azure_cli_token_is_used_and_a_cli_failure_is_explained() {
    let dir = std::env::temp_dir().join(format!("huntrs-az-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let args_file = dir.join("args.txt");
    let az = dir.join("az");
    let expires = chrono::Utc::now().timestamp() + 3600;
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\necho \"$@\" > '{}'\necho '{{\"accessToken\": \"cli-token-CANARY\", \"expiresOn\": \"2026-11-29 13:00:00.000000\", \"expires_on\": {expires}, \"tenant\": \"{TENANT}\", \"tokenType\": \"Bearer\"}}'\n",
            args_file.display()
        ),
    )
    .expect("script");
    let failing = dir.join("az-logged-out");
    std::fs::write(
        &failing,
        "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n",
    )
    .expect("script");
    for f in [&az, &failing] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let srv = FakeServer::start(|seen| service(seen, "cli-token-CANARY"));
    let creds = vec![AzureCredential::AzureCli {
        program: az.clone(),
        tenant_id: Some(TENANT.into()),
    }];
    let mut d = LogAnalyticsDriver::new(config(&srv.base), creds).expect("driver");
    assert_eq!(
        d.run("T", &RunOptions::default()).expect("query").height(),
        3
    );
    let args = std::fs::read_to_string(&args_file).expect("args");
    assert_eq!(
        args.trim(),
        format!(
            "account get-access-token --resource https://api.loganalytics.io -o json --tenant {TENANT}"
        )
    );

    // A chain: the logged-out CLI fails, the next method is tried, and when every
    // method fails the error lists each reason.
    let creds = vec![
        AzureCredential::AzureCli {
            program: failing.clone(),
            tenant_id: None,
        },
        AzureCredential::AzureCli {
            program: dir.join("no-such-az"),
            tenant_id: None,
        },
    ];
    let mut d = LogAnalyticsDriver::new(config(&srv.base), creds).expect("driver");
    let text = d
        .run("T", &RunOptions::default())
        .expect_err("no sign-in")
        .to_string();
    assert!(text.contains("Please run 'az login'"), "{text}");
    assert!(text.contains("no-such-az"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_token_is_reused_until_shortly_before_it_expires_then_renewed() {
    let srv = FakeServer::start(|seen| {
        if seen.path().ends_with("/oauth2/v2.0/token") {
            // Valid for one second: renewed after half of it.
            return Reply::json(
                200,
                &json!({"token_type": "Bearer", "expires_in": 1, "access_token": TOKEN}),
            );
        }
        service(seen, TOKEN)
    });
    let creds = vec![AzureCredential::ClientSecret {
        tenant_id: TENANT.into(),
        client_id: CLIENT_ID.into(),
        secret: CLIENT_SECRET.into(),
    }];
    let mut d = LogAnalyticsDriver::new(config(&srv.base), creds).expect("driver");
    d.run("T", &RunOptions::default()).expect("first");
    d.run("T", &RunOptions::default())
        .expect("second, cached token");
    assert_eq!(srv.requests_to("/oauth2/v2.0/token").len(), 1);
    std::thread::sleep(Duration::from_millis(700));
    d.run("T", &RunOptions::default())
        .expect("third, renewed token");
    assert_eq!(srv.requests_to("/oauth2/v2.0/token").len(), 2);
}

#[test]
fn a_refused_token_is_dropped_and_fetched_again_once() {
    let refusals = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&refusals);
    let srv = FakeServer::start(move |seen| {
        if seen.path().ends_with("/oauth2/v2.0/token") {
            return Reply::json(
                200,
                &json!({"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}),
            );
        }
        // The service revokes the first token it sees.
        if r.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::json(
                401,
                &json!({"error": {"code": "InvalidAuthenticationToken", "message": "The provided authentication is not valid for this resource"}}),
            );
        }
        service(seen, TOKEN)
    });
    let creds = vec![AzureCredential::ClientSecret {
        tenant_id: TENANT.into(),
        client_id: CLIENT_ID.into(),
        secret: CLIENT_SECRET.into(),
    }];
    let mut d = LogAnalyticsDriver::new(config(&srv.base), creds).expect("driver");
    assert_eq!(
        d.run("T", &RunOptions::default())
            .expect("after a new token")
            .height(),
        3
    );
    assert_eq!(srv.requests_to("/oauth2/v2.0/token").len(), 2);
    assert_eq!(srv.requests_to("/query").len(), 2);
}
