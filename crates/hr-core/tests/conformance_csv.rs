//! The conformance suite against `CsvSource`: the fixture written with `write_csv` and
//! read back, from memory, from a file, and with the semicolons of Dutch exports.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should stop the test

use hr_core::CsvSource;
use hr_core::conformance::Fixture;

fn fixture_csv(fixture: &Fixture) -> Vec<u8> {
    fixture.to_csv().expect("writing CSV to memory")
}

mod from_bytes {
    use super::*;
    async fn serve(fixture: Fixture) -> CsvSource {
        CsvSource::from_bytes(fixture_csv(&fixture))
    }
    hr_core::hr_source_conformance_tests!(serve);
}

mod from_file {
    use super::*;
    async fn serve(fixture: Fixture) -> CsvSource {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), fixture_csv(&fixture)).expect("write temp file");
        // Keep the file for the life of the test process; the OS temp dir is cleaned later.
        let (_, path) = file.keep().expect("keep temp file");
        CsvSource::from_path(path).with_name("csv-file")
    }
    hr_core::hr_source_conformance_tests!(serve);
}

mod semicolons_with_bom {
    use super::*;
    async fn serve(fixture: Fixture) -> CsvSource {
        let comma_separated = fixture_csv(&fixture);
        let mut reader = csv_reader(&comma_separated);
        let mut out = b"\xEF\xBB\xBF".to_vec();
        {
            let mut writer = csv_writer(&mut out);
            for record in reader.records() {
                writer
                    .write_record(&record.expect("record"))
                    .expect("write");
            }
        }
        CsvSource::from_bytes(out).with_delimiter(b';')
    }
    fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes)
    }
    fn csv_writer(out: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
        csv::WriterBuilder::new().delimiter(b';').from_writer(out)
    }
    hr_core::hr_source_conformance_tests!(serve);
}
