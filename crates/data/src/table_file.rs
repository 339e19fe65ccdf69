//! Reading and writing tables as files, the format chosen by extension.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::DataError;
use crate::json_lines;

/// File formats a table can be stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    JsonLines,
}

impl TableFormat {
    /// The format for a file name's extension (`.csv`, `.parquet`/`.pq`), or an error naming the choices.
    pub fn from_path(path: &Path) -> Result<Self, DataError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Ok(TableFormat::Csv),
            Some("parquet" | "pq") => Ok(TableFormat::Parquet),
            Some("jsonl" | "ndjson") => Ok(TableFormat::JsonLines),
            _ => Err(DataError::TableFile {
                path: path.display().to_string(),
                message: "unknown table format; use a .csv, .parquet or .jsonl file name"
                    .to_string(),
            }),
        }
    }
}

fn table_error(path: &Path, error: impl std::fmt::Display) -> DataError {
    DataError::TableFile {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}

/// Reads a CSV, Parquet or JSON-lines file. With `all_strings`, CSV and JSON-lines columns are read as text
/// (no type inference), which keeps ids such as `0x3e7` or `00123` as written.
///
/// Text columns are compacted ([`sectools::compact_text`]): each distinct long value is
/// stored once, so tables of repetitive logs take a fraction of what the reader left.
pub fn read_table(path: impl AsRef<Path>, all_strings: bool) -> Result<DataFrame, DataError> {
    let path = path.as_ref();
    let mut df = read_table_as_read(path, all_strings)?;
    sectools::compact_text(&mut df).map_err(|e| table_error(path, e))?;
    Ok(df)
}

fn read_table_as_read(path: &Path, all_strings: bool) -> Result<DataFrame, DataError> {
    let format = TableFormat::from_path(path)?;
    if !path.is_file() {
        return Err(table_error(path, "no such file"));
    }
    match format {
        TableFormat::Csv => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(if all_strings { Some(0) } else { Some(10_000) })
            .try_into_reader_with_file_path(Some(PathBuf::from(path)))
            .and_then(|reader| reader.finish())
            .map_err(|e| table_error(path, e)),
        TableFormat::Parquet => {
            let file = File::open(path).map_err(|e| table_error(path, e))?;
            ParquetReader::new(file)
                .finish()
                .map_err(|e| table_error(path, e))
        }
        TableFormat::JsonLines => {
            let file = File::open(path).map_err(|e| table_error(path, e))?;
            json_lines::read(std::io::BufReader::new(file), all_strings)
                .map_err(|e| table_error(path, e))
        }
    }
}

/// Writes a table as CSV, Parquet or JSON lines, by the file's extension. Binary columns cannot
/// be CSV text, so they are hex-encoded there.
pub fn write_table(df: &DataFrame, path: impl AsRef<Path>) -> Result<(), DataError> {
    let path = path.as_ref();
    let format = TableFormat::from_path(path)?;
    let mut df = df.clone();
    let file = File::create(path).map_err(|e| table_error(path, e))?;
    match format {
        TableFormat::Csv => {
            let binary: Vec<PlSmallStr> = df
                .columns()
                .iter()
                .filter(|c| matches!(c.dtype(), DataType::Binary))
                .map(|c| c.name().clone())
                .collect();
            for name in binary {
                let hex: Vec<Option<String>> = df
                    .column(&name)
                    .and_then(|c| c.binary().cloned())
                    .map_err(|e| table_error(path, e))?
                    .iter()
                    .map(|b| b.map(|b| b.iter().map(|x| format!("{x:02x}")).collect()))
                    .collect();
                df.with_column(Column::new(name, hex))
                    .map_err(|e| table_error(path, e))?;
            }
            CsvWriter::new(file)
                .finish(&mut df)
                .map_err(|e| table_error(path, e))
        }
        TableFormat::Parquet => ParquetWriter::new(file)
            .finish(&mut df)
            .map(|_| ())
            .map_err(|e| table_error(path, e)),
        TableFormat::JsonLines => {
            json_lines::write(&df, std::io::BufWriter::new(file)).map_err(|e| table_error(path, e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("huntrs-data-{}-{name}", std::process::id()))
    }

    #[test]
    fn json_lines_round_trip_with_types() {
        let path = temp_path("t.jsonl");
        std::fs::write(
            &path,
            "{\"pid\": 4, \"name\": \"System\", \"ok\": true, \"score\": 1}\n\n\
             {\"pid\": 88, \"name\": \"Registry\", \"score\": 2.5, \"tags\": [\"a\"]}\n",
        )
        .expect("write");
        let df = read_table(&path, false).expect("read");
        assert_eq!(df.shape(), (2, 5));
        assert_eq!(df.column("pid").expect("pid").dtype(), &DataType::Int64);
        assert_eq!(
            df.column("score").expect("score").dtype(),
            &DataType::Float64
        );
        assert_eq!(df.column("ok").expect("ok").dtype(), &DataType::Boolean);
        let tags = df.column("tags").expect("tags").str().expect("str").get(1);
        assert_eq!(tags, Some("[\"a\"]"));
        let out = temp_path("out.jsonl");
        write_table(&df, &out).expect("write jsonl");
        let back = read_table(&out, false).expect("read back");
        assert!(back.equals_missing(&df), "{back}");
        let strings = read_table(&path, true).expect("as text");
        assert_eq!(
            strings.column("pid").expect("pid").dtype(),
            &DataType::String
        );
        std::fs::write(&path, "{\"a\": 1}\n[1]\n").expect("write");
        let err = read_table(&path, false)
            .expect_err("array line")
            .to_string();
        assert!(err.contains("line 2: not a JSON object"), "{err}");
        let _ = std::fs::remove_file(path);
        let _ = std::fs::remove_file(out);
    }

    #[test]
    fn csv_and_parquet_round_trip() {
        let df = DataFrame::new_infer_height(vec![
            Column::new("id".into(), ["0x3e7", "00123"]),
            Column::new("n".into(), [1i64, 2]),
            Column::new("blob".into(), [Some(&b"\x01\xff"[..]), None]),
        ])
        .expect("frame");
        let parquet = temp_path("t.parquet");
        write_table(&df, &parquet).expect("write parquet");
        let back = read_table(&parquet, false).expect("read parquet");
        assert!(back.equals_missing(&df), "{back}");
        let csv = temp_path("t.csv");
        write_table(&df, &csv).expect("write csv");
        let text = std::fs::read_to_string(&csv).expect("csv text");
        assert!(text.starts_with("id,n,blob\n0x3e7,1,01ff\n"), "{text}");
        let strings = read_table(&csv, true).expect("read csv");
        assert_eq!(
            strings.column("id").expect("id").str().expect("str").get(1),
            Some("00123"),
            "ids kept as written"
        );
        let _ = std::fs::remove_file(parquet);
        let _ = std::fs::remove_file(csv);
    }

    #[test]
    fn repeated_text_is_read_into_one_copy_per_distinct_value() {
        let image = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";
        let host = "WKS-0042.contoso.local";
        let mut csv = String::from("Computer,NewProcessName,pid\n");
        for i in 0..5000 {
            csv.push_str(&format!("{host},{image},0x{i:x}\n"));
        }
        let path = temp_path("repeated.csv");
        std::fs::write(&path, &csv).expect("write");
        let df = read_table(&path, false).expect("read");
        let text = |name: &str| -> usize {
            let column = df.column(name).expect("column").str().expect("text");
            column.downcast_iter().map(|a| a.total_buffer_len()).sum()
        };
        // One copy per chunk the reader made, however many rows repeat it.
        let chunks = df.column("NewProcessName").expect("c").n_chunks();
        assert_eq!(text("NewProcessName"), image.len() * chunks);
        assert_eq!(text("Computer"), host.len() * chunks);
        // Short ids live in their views.
        assert_eq!(text("pid"), 0);
        let values = df.column("NewProcessName").expect("c").str().expect("text");
        assert_eq!(values.len(), 5000);
        assert!(values.iter().all(|v| v == Some(image)));
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn errors_name_the_file_and_the_fix() {
        let err = read_table("/nonexistent/x.csv", true).expect_err("missing");
        assert_eq!(err.to_string(), "/nonexistent/x.csv: no such file");
        let err = write_table(&DataFrame::empty(), "out.xlsx").expect_err("format");
        assert!(
            err.to_string()
                .contains("use a .csv, .parquet or .jsonl file name"),
            "{err}"
        );
    }
}
