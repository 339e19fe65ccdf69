//! Gallery pages: the logon view of the sample week's Windows logons (4624/4625) and of
//! its Entra ID sign-ins.

use std::error::Error;

use nbtools::views::logon::LogonView;

use crate::Pages;
use crate::sample::Tables;

pub fn pages(tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    Ok(vec![
        (
            "logon-windows",
            LogonView::new(tables.get("SecurityEvent"))
                .title("Windows logons")
                .build()?,
        ),
        (
            "logon-signinlogs",
            LogonView::new(tables.get("SigninLogs"))
                .title("Entra ID sign-ins")
                .build()?,
        ),
    ])
}
