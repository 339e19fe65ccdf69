//! Typed pivots for huntrs's built-in queries (`queries/`): one method per query that
//! takes an entity's value, so `host.pivot(&mut qp).list_host_logons()?` completes in
//! the notebook. Queries loaded at run time use the string form,
//! [`EntityPivot::query`]. A test keeps this list equal to the built-in library.

use super::EntityPivot;
use crate::{DataError, QueryBuilder};

macro_rules! builtin_pivots {
    ($($method:ident => $query:literal;)*) => {
        impl<'p> EntityPivot<'p> {
            $(
                #[doc = concat!("The built-in pivot `", $query, "` ([`EntityPivot::query`] with that name).")]
                ///
                /// # Errors
                /// When the entity cannot fill the query's parameters (the message says why).
                pub fn $method(self) -> Result<QueryBuilder<'p>, DataError> {
                    self.query($query)
                }
            )*
        }

        /// The queries the typed methods run, in method order.
        #[cfg(test)]
        pub(crate) const TYPED_PIVOTS: &[&str] = &[$($query),*];
    };
}

builtin_pivots! {
    list_lookups_by_client => "Dns.list_lookups_by_client";
    list_lookups_by_domain => "Dns.list_lookups_by_domain";
    list_audit_records => "LinuxAudit.list_audit_records";
    list_execve => "LinuxAudit.list_execve";
    list_ssh_logons => "LinuxSyslog.list_ssh_logons";
    list_sudo_activity => "LinuxSyslog.list_sudo_activity";
    mde_list_host_processes => "MDE.list_host_processes";
    list_processes_by_hash => "MDE.list_processes_by_hash";
    list_connections_by_ip => "Network.list_connections_by_ip";
    list_host_connections => "Network.list_host_connections";
    summarize_flows_by_ip => "Network.summarize_flows_by_ip";
    get_alert => "SecurityAlert.get_alert";
    list_alerts_for_host => "SecurityAlert.list_alerts_for_host";
    list_signins_by_account => "SigninLogs.list_signins_by_account";
    list_signins_by_ip => "SigninLogs.list_signins_by_ip";
    lookup_domain => "ThreatIntelligence.lookup_domain";
    lookup_hash => "ThreatIntelligence.lookup_hash";
    lookup_ip => "ThreatIntelligence.lookup_ip";
    lookup_ips => "ThreatIntelligence.lookup_ips";
    list_account_logons => "WindowsSecurity.list_account_logons";
    list_host_logons => "WindowsSecurity.list_host_logons";
    windows_list_host_processes => "WindowsSecurity.list_host_processes";
    list_processes_by_commandline => "WindowsSecurity.list_processes_by_commandline";
    list_processes_by_name => "WindowsSecurity.list_processes_by_name";
}

#[cfg(test)]
mod tests {
    use super::TYPED_PIVOTS;
    use crate::pivot::PivotParams;

    /// Every built-in query that takes an entity's value has a typed method, and no
    /// method names a query that is gone.
    #[test]
    fn typed_pivots_match_the_builtin_library() {
        let library = crate::builtin_library().unwrap();
        let map = PivotParams::builtin().unwrap();
        let mut pivotable: Vec<String> = library
            .names()
            .into_iter()
            .filter(|name| {
                library
                    .get(name)
                    .is_some_and(|q| q.params.iter().any(|p| !map.sources(&p.name).is_empty()))
            })
            .collect();
        pivotable.sort();
        let mut typed: Vec<String> = TYPED_PIVOTS.iter().map(|s| (*s).to_owned()).collect();
        typed.sort();
        assert_eq!(typed, pivotable);
    }
}
