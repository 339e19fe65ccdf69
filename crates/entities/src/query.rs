//! Query parameters from entities: what the query layer fills its templates with.
//!
//! Values are raw text: the query layer quotes and escapes them for its language
//! (a Windows path keeps single backslashes here).

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use crate::entity::{EntityType, non_empty};
use crate::time::format_time;
use crate::{Account, EntitySet, File, Host, HostLogonSession, IpAddress, Process};

/// How far before the start and after the end of an alert or event `start` and `end`
/// reach by default: an hour either side catches the activity leading up to it and
/// what followed, as msticpy's notebooks do.
pub const DEFAULT_QUERY_MARGIN: TimeDelta = TimeDelta::hours(1);

/// The first `T` (top-level entities first) for which `pick` gives a value.
fn first_with<T: EntityType>(
    set: &EntitySet,
    mut pick: impl FnMut(&T) -> Option<String>,
) -> Option<String> {
    set.roots()
        .iter()
        .filter_map(|id| set.get_as::<T>(*id))
        .find_map(&mut pick)
        .or_else(|| set.of_type::<T>().find_map(|(_, typed)| pick(typed)))
}

/// `host_name`, `account_name`, `process_name`, `process_id`, `logon_session_id`,
/// `ip_address`, `os_family` and `path_separator` from the entities of `set`.
pub(crate) fn entity_params(set: &EntitySet) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    let mut put = |key: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            params.insert(key.to_owned(), value);
        }
    };
    put(
        "host_name",
        first_with::<Host>(set, |host| Some(host.fqdn())),
    );
    put(
        "account_name",
        first_with::<Account>(set, |account| Some(account.name.clone())),
    );
    let process = set
        .roots()
        .iter()
        .filter_map(|id| set.get_as::<Process>(*id))
        .chain(set.of_type::<Process>().map(|(_, p)| p))
        .next();
    if let Some(process) = process {
        put("process_name", process.image_path(set));
        put("process_id", process.process_id.clone());
    }
    put(
        "logon_session_id",
        first_with::<HostLogonSession>(set, |session| session.session_id.clone())
            .or_else(|| first_with::<Account>(set, |account| account.logon_id.clone())),
    );
    put(
        "ip_address",
        first_with::<IpAddress>(set, |ip| Some(ip.address.to_string())),
    );
    let linux = os_is_linux(set);
    put(
        "os_family",
        Some(if linux { "Linux" } else { "Windows" }.to_owned()),
    );
    put(
        "path_separator",
        Some(if linux { "/" } else { "\\" }.to_owned()),
    );
    params
}

/// Linux when a host says so, or (no host naming its OS family) when a file path
/// uses `/`; Windows otherwise.
fn os_is_linux(set: &EntitySet) -> bool {
    let families: Vec<&str> = set
        .of_type::<Host>()
        .filter_map(|(_, host)| non_empty(&host.os_family))
        .collect();
    if !families.is_empty() {
        return families
            .iter()
            .any(|family| family.eq_ignore_ascii_case("linux"));
    }
    set.of_type::<File>().any(|(_, file)| {
        non_empty(&file.directory)
            .or(non_empty(&file.full_path))
            .is_some_and(|path| path.contains('/'))
    })
}

/// Adds `start` (= `start − margin`) and `end` (= `end + margin`) as ISO 8601 UTC.
pub(crate) fn put_window(
    params: &mut BTreeMap<String, String>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    margin: TimeDelta,
) {
    let (start, end) = match (start, end) {
        (Some(start), Some(end)) => (start, end),
        (Some(time), None) | (None, Some(time)) => (time, time),
        (None, None) => return,
    };
    params.insert("start".to_owned(), format_time(start - margin));
    params.insert("end".to_owned(), format_time(end + margin));
}
