//! Entra ID sign-in rows.

use serde_json::Value;

use super::json::{object, s};
use super::rng::{Rng, guid_for};
use super::rows::{SigninLogs, Ts};
use super::world::World;

/// Applications users sign in to: (name, app id, resource).
pub(crate) const APPS: &[(&str, &str, &str)] = &[
    (
        "Microsoft Teams",
        "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
        "Microsoft Teams Services",
    ),
    (
        "Office 365 Exchange Online",
        "00000002-0000-0ff1-ce00-000000000000",
        "Office 365 Exchange Online",
    ),
    (
        "OfficeHome",
        "4765445b-32c6-49b0-83e6-1d93765276ca",
        "Microsoft Graph",
    ),
    (
        "Office 365 SharePoint Online",
        "00000003-0000-0ff1-ce00-000000000000",
        "Office 365 SharePoint Online",
    ),
    (
        "Windows Sign In",
        "38aa3b87-a06d-4817-b275-7a316988d93b",
        "Windows Azure Active Directory",
    ),
    (
        "Azure Portal",
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        "Windows Azure Service Management API",
    ),
    (
        "Microsoft Edge",
        "ecd6b820-32c2-49b6-98a6-444530e5a77a",
        "Microsoft Graph",
    ),
];

/// One sign-in to record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signin<'a> {
    pub(crate) at: Ts,
    pub(crate) account: usize,
    /// Index into [`APPS`].
    pub(crate) app: usize,
    pub(crate) ip: &'a str,
    pub(crate) country: &'a str,
    pub(crate) city: &'a str,
    /// Entra result code ("0" is success).
    pub(crate) result: &'a str,
    /// From a managed, compliant device.
    pub(crate) managed: bool,
    /// Risk level during sign-in.
    pub(crate) risk: &'a str,
}

fn coordinates(city: &str) -> (f64, f64, &'static str) {
    match city {
        "London" => (51.5072, -0.1276, "London"),
        "Manchester" => (53.4808, -2.2426, "Manchester"),
        "Bristol" => (51.4545, -2.5879, "Bristol"),
        "Boston" => (42.3601, -71.0589, "Massachusetts"),
        "Bucharest" => (44.4268, 26.1025, "Bucuresti"),
        "Madrid" => (40.4168, -3.7038, "Madrid"),
        _ => (0.0, 0.0, ""),
    }
}

fn description(result: &str) -> &'static str {
    match result {
        "0" => "",
        "50126" => "Error validating credentials due to invalid username or password.",
        "50074" => "Strong Authentication is required.",
        "500121" => "Authentication failed during strong authentication request.",
        _ => "Other",
    }
}

/// Records a sign-in.
pub(crate) fn signin(world: &mut World, rng: &Rng, signin: &Signin<'_>) {
    let a = &world.org.accounts[signin.account];
    let (app, app_id, resource) = APPS[signin.app.min(APPS.len() - 1)];
    let (lat, lon, state) = coordinates(signin.city);
    let location = object(vec![
        ("city", s(signin.city)),
        ("countryOrRegion", s(signin.country)),
        (
            "geoCoordinates",
            object(vec![
                ("latitude", Value::from(lat)),
                ("longitude", Value::from(lon)),
            ]),
        ),
        ("state", s(state)),
    ]);
    let device = if signin.managed {
        let name = a.workstation.map_or_else(
            || format!("LT-{:04}", 1000 + signin.account),
            |w| world.org.hosts[w].name.clone(),
        );
        object(vec![
            ("browser", s("Edge 130.0.0")),
            ("deviceId", s(guid_for(&format!("device:{name}")))),
            ("displayName", s(name)),
            ("isCompliant", Value::Bool(true)),
            ("isManaged", Value::Bool(true)),
            ("operatingSystem", s("Windows10")),
            ("trustType", s("Hybrid Azure AD joined")),
        ])
    } else if signin.risk == "none" {
        object(vec![
            ("browser", s("Mobile Safari 18.0")),
            ("deviceId", s("")),
            ("isCompliant", Value::Bool(false)),
            ("isManaged", Value::Bool(false)),
            ("operatingSystem", s("Ios 18.0.1")),
        ])
    } else {
        object(vec![
            ("browser", s("Chrome 129.0.0")),
            ("deviceId", s("")),
            ("isCompliant", Value::Bool(false)),
            ("isManaged", Value::Bool(false)),
            ("operatingSystem", s("Windows10")),
        ])
    };
    let user_agent = match (signin.managed, signin.risk) {
        (true, _) => {
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0"
        }
        (false, "none") => {
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
        }
        _ => {
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36"
        }
    };
    let mfa = !signin.managed || signin.result == "500121" || signin.result == "50074";
    let mfa_detail = if mfa && signin.result == "0" {
        object(vec![
            ("authDetail", s("")),
            ("authMethod", s("Mobile app notification")),
        ])
        .to_string()
    } else {
        String::new()
    };
    let conditional = match signin.result {
        "0" => "success",
        "500121" => "failure",
        _ => "notApplied",
    };
    let upn = a.upn.clone();
    let display = a.display.clone();
    let user_id = a.object_id.clone();
    world.signin.push(SigninLogs {
        TimeGenerated: signin.at,
        CreatedDateTime: signin.at,
        Id: rng.guid(),
        CorrelationId: rng.guid(),
        OperationName: "Sign-in activity".into(),
        Category: "SignInLogs".into(),
        UserPrincipalName: upn,
        UserDisplayName: display,
        UserId: user_id,
        UserType: "Member".into(),
        AppDisplayName: app.into(),
        AppId: app_id.into(),
        ResourceDisplayName: resource.into(),
        IPAddress: signin.ip.into(),
        Location: signin.country.into(),
        LocationDetails: location.to_string(),
        ResultType: signin.result.into(),
        ResultDescription: description(signin.result).into(),
        ClientAppUsed: if signin.managed {
            "Mobile Apps and Desktop clients"
        } else {
            "Browser"
        }
        .into(),
        UserAgent: user_agent.into(),
        DeviceDetail: device.to_string(),
        IsInteractive: true,
        ConditionalAccessStatus: conditional.into(),
        AuthenticationRequirement: if mfa {
            "multiFactorAuthentication"
        } else {
            "singleFactorAuthentication"
        }
        .into(),
        MfaDetail: mfa_detail,
        RiskLevelDuringSignIn: signin.risk.into(),
        RiskLevelAggregated: signin.risk.into(),
        RiskState: if signin.risk == "none" {
            "none"
        } else {
            "atRisk"
        }
        .into(),
    });
}
