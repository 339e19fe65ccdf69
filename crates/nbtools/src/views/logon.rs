//! Logon view: sessions from 4624/4625 events or SigninLogs, with a summary chart.
