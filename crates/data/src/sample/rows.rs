//! Row types, one per table, whose field names are the Sentinel column names, and
//! their conversion into DataFrames.
//!
//! Strings are never null (Log Analytics has no null strings; "not applicable" is an
//! empty string), numbers are null when not applicable, and times are UTC datetimes
//! with millisecond precision.

use polars::prelude::*;

/// A UTC instant in milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ts(pub(crate) i64);

impl Ts {
    /// This instant plus `ms` milliseconds.
    pub(crate) fn plus(self, ms: i64) -> Ts {
        Ts(self.0 + ms)
    }

    /// Whole seconds and the millisecond part, as auditd stamps events.
    pub(crate) fn secs_millis(self) -> (i64, i64) {
        (self.0.div_euclid(1000), self.0.rem_euclid(1000))
    }

    /// The instant as a chrono time.
    pub(crate) fn to_chrono(self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }

    /// ISO 8601 with milliseconds and `Z`, as entity JSON writes times.
    pub(crate) fn iso(self) -> String {
        self.to_chrono()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

/// A value type that can become a DataFrame column.
pub(crate) trait Cell: Sized {
    /// The column holding `values`.
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column>;
}

fn utc_ms() -> DataType {
    DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
}

impl Cell for Ts {
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        let ms: Vec<i64> = values.into_iter().map(|t| t.0).collect();
        Column::new(name.into(), ms).cast(&utc_ms())
    }
}

impl Cell for Option<Ts> {
    fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
        let ms: Vec<Option<i64>> = values.into_iter().map(|t| t.map(|t| t.0)).collect();
        Column::new(name.into(), ms).cast(&utc_ms())
    }
}

macro_rules! plain_cell {
    ($($ty:ty),*) => {$(
        impl Cell for $ty {
            fn column(name: &str, values: Vec<Self>) -> PolarsResult<Column> {
                Ok(Column::new(name.into(), values))
            }
        }
    )*};
}
plain_cell!(String, i64, Option<i64>, i32, Option<i32>, bool);

/// Declares a row struct whose fields are the table's columns, in order, with a
/// `COLUMNS` list and a `frame` conversion.
macro_rules! table_rows {
    ($(#[$meta:meta])* $row:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[allow(non_snake_case)]
        #[derive(Debug, Clone, Default)]
        pub(crate) struct $row { $(pub(crate) $field: $ty),* }

        impl $row {
            /// Column names in order.
            pub(crate) const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// The rows as a DataFrame, consuming them (no copies of the strings).
            #[allow(non_snake_case)]
            pub(crate) fn frame(rows: Vec<$row>) -> PolarsResult<DataFrame> {
                $(let mut $field: Vec<$ty> = Vec::with_capacity(rows.len());)*
                for row in rows {
                    $($field.push(row.$field);)*
                }
                DataFrame::new_infer_height(vec![$(<$ty as Cell>::column(stringify!($field), $field)?),*])
            }
        }
    };
}

table_rows!(
    /// Windows Security event log (`SecurityEvent`).
    SecurityEvent {
        TimeGenerated: Ts,
        Computer: String,
        EventSourceName: String,
        Channel: String,
        EventID: i32,
        Activity: String,
        Account: String,
        AccountType: String,
        SubjectUserSid: String,
        SubjectUserName: String,
        SubjectDomainName: String,
        SubjectLogonId: String,
        TargetUserSid: String,
        TargetUserName: String,
        TargetDomainName: String,
        TargetLogonId: String,
        TargetAccount: String,
        LogonType: Option<i32>,
        LogonTypeName: String,
        IpAddress: String,
        IpPort: String,
        WorkstationName: String,
        LogonProcessName: String,
        AuthenticationPackageName: String,
        ElevatedToken: String,
        Status: String,
        SubStatus: String,
        FailureReason: String,
        NewProcessName: String,
        NewProcessId: String,
        ProcessId: String,
        ParentProcessName: String,
        CommandLine: String,
        TokenElevationType: String,
        MandatoryLabel: String,
        PrivilegeList: String,
        MemberName: String,
        MemberSid: String,
        SamAccountName: String,
        UserPrincipalName: String,
    }
);

table_rows!(
    /// Defender for Endpoint process creations (`DeviceProcessEvents`).
    DeviceProcessEvents {
        TimeGenerated: Ts,
        Timestamp: Ts,
        DeviceId: String,
        DeviceName: String,
        ActionType: String,
        FileName: String,
        FolderPath: String,
        SHA1: String,
        SHA256: String,
        MD5: String,
        FileSize: i64,
        ProcessId: i64,
        ProcessCommandLine: String,
        ProcessIntegrityLevel: String,
        ProcessTokenElevation: String,
        ProcessCreationTime: Ts,
        AccountDomain: String,
        AccountName: String,
        AccountSid: String,
        AccountUpn: String,
        LogonId: i64,
        InitiatingProcessFileName: String,
        InitiatingProcessFolderPath: String,
        InitiatingProcessId: Option<i64>,
        InitiatingProcessCommandLine: String,
        InitiatingProcessCreationTime: Option<Ts>,
        InitiatingProcessSHA1: String,
        InitiatingProcessParentId: Option<i64>,
        InitiatingProcessParentFileName: String,
        InitiatingProcessParentCreationTime: Option<Ts>,
        InitiatingProcessAccountDomain: String,
        InitiatingProcessAccountName: String,
        InitiatingProcessAccountSid: String,
        InitiatingProcessLogonId: Option<i64>,
        ReportId: i64,
    }
);

table_rows!(
    /// Defender for Endpoint network connections (`DeviceNetworkEvents`).
    DeviceNetworkEvents {
        TimeGenerated: Ts,
        Timestamp: Ts,
        DeviceId: String,
        DeviceName: String,
        ActionType: String,
        RemoteIP: String,
        RemotePort: i32,
        RemoteUrl: String,
        RemoteIPType: String,
        LocalIP: String,
        LocalPort: i32,
        LocalIPType: String,
        Protocol: String,
        InitiatingProcessFileName: String,
        InitiatingProcessFolderPath: String,
        InitiatingProcessCommandLine: String,
        InitiatingProcessId: i64,
        InitiatingProcessCreationTime: Ts,
        InitiatingProcessAccountDomain: String,
        InitiatingProcessAccountName: String,
        InitiatingProcessAccountSid: String,
        ReportId: i64,
    }
);

table_rows!(
    /// Entra ID interactive sign-ins (`SigninLogs`).
    SigninLogs {
        TimeGenerated: Ts,
        CreatedDateTime: Ts,
        Id: String,
        CorrelationId: String,
        OperationName: String,
        Category: String,
        UserPrincipalName: String,
        UserDisplayName: String,
        UserId: String,
        UserType: String,
        AppDisplayName: String,
        AppId: String,
        ResourceDisplayName: String,
        IPAddress: String,
        Location: String,
        LocationDetails: String,
        ResultType: String,
        ResultDescription: String,
        ClientAppUsed: String,
        UserAgent: String,
        DeviceDetail: String,
        IsInteractive: bool,
        ConditionalAccessStatus: String,
        AuthenticationRequirement: String,
        MfaDetail: String,
        RiskLevelDuringSignIn: String,
        RiskLevelAggregated: String,
        RiskState: String,
    }
);

table_rows!(
    /// Windows DNS server query log (`DnsEvents`).
    DnsEvents {
        TimeGenerated: Ts,
        Computer: String,
        EventId: i32,
        SubType: String,
        ClientIP: String,
        Name: String,
        QueryType: String,
        QueryTypeId: i32,
        IPAddresses: String,
        ResultCode: i32,
        Result: String,
    }
);

table_rows!(
    /// Perimeter firewall and web proxy logs in CEF (`CommonSecurityLog`).
    CommonSecurityLog {
        TimeGenerated: Ts,
        Computer: String,
        DeviceVendor: String,
        DeviceProduct: String,
        DeviceVersion: String,
        DeviceEventClassID: String,
        Activity: String,
        LogSeverity: String,
        DeviceAction: String,
        ApplicationProtocol: String,
        Protocol: String,
        SourceIP: String,
        SourcePort: i32,
        SourceTranslatedAddress: String,
        DestinationIP: String,
        DestinationPort: i32,
        DestinationHostName: String,
        RequestURL: String,
        RequestMethod: String,
        SentBytes: i64,
        ReceivedBytes: i64,
        SourceUserName: String,
        DeviceInboundInterface: String,
        DeviceOutboundInterface: String,
    }
);

table_rows!(
    /// Linux syslog (`Syslog`).
    Syslog {
        TimeGenerated: Ts,
        EventTime: Ts,
        Computer: String,
        HostName: String,
        HostIP: String,
        Facility: String,
        SeverityLevel: String,
        ProcessName: String,
        ProcessID: Option<i32>,
        SyslogMessage: String,
    }
);

table_rows!(
    /// Raw auditd records, one line per row (`LinuxAudit`).
    LinuxAudit {
        TimeGenerated: Ts,
        Computer: String,
        HostIP: String,
        RecordType: String,
        AuditId: String,
        RawData: String,
    }
);

table_rows!(
    /// Alerts from Defender products and Sentinel analytics (`SecurityAlert`).
    SecurityAlert {
        TimeGenerated: Ts,
        DisplayName: String,
        AlertName: String,
        AlertSeverity: String,
        Description: String,
        ProviderName: String,
        VendorName: String,
        ProductName: String,
        ProductComponentName: String,
        AlertType: String,
        SystemAlertId: String,
        VendorOriginalId: String,
        CompromisedEntity: String,
        Tactics: String,
        Techniques: String,
        StartTime: Ts,
        EndTime: Ts,
        ProcessingEndTime: Ts,
        Status: String,
        ConfidenceLevel: String,
        IsIncident: bool,
        RemediationSteps: String,
        ExtendedProperties: String,
        Entities: String,
        SourceSystem: String,
    }
);

table_rows!(
    /// Threat intelligence indicators (`ThreatIntelligenceIndicator`).
    ThreatIntelligenceIndicator {
        TimeGenerated: Ts,
        IndicatorId: String,
        ExternalIndicatorId: String,
        ThreatType: String,
        Description: String,
        Action: String,
        Active: bool,
        ConfidenceScore: i32,
        ExpirationDateTime: Ts,
        NetworkIP: String,
        NetworkSourceIP: String,
        NetworkDestinationIP: String,
        DomainName: String,
        Url: String,
        FileHashType: String,
        FileHashValue: String,
        EmailSenderAddress: String,
        TrafficLightProtocolLevel: String,
        SourceSystem: String,
        Tags: String,
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_keep_declared_columns_and_types() {
        let df = DnsEvents::frame(vec![DnsEvents {
            TimeGenerated: Ts(1_000),
            Name: "example.org".into(),
            ..Default::default()
        }])
        .expect("frame");
        let names: Vec<&str> = df.get_column_names().iter().map(|c| c.as_str()).collect();
        assert_eq!(names, DnsEvents::COLUMNS);
        assert!(matches!(
            df.column("TimeGenerated").expect("time").dtype(),
            DataType::Datetime(TimeUnit::Milliseconds, Some(_))
        ));
        assert_eq!(Ts(1_500).secs_millis(), (1, 500));
        assert_eq!(Ts(0).iso(), "1970-01-01T00:00:00.000Z");
    }
}
