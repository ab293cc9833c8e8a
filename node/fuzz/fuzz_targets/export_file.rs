//! Export files (`twin doc import`): what decodes encodes again and decodes the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twinmesh_protocol::export::DocExport;

fuzz_target!(|data: &[u8]| {
    if let Ok(export) = DocExport::from_bytes(data) {
        let again = DocExport::from_bytes(&export.to_bytes()).expect("an encoded export decodes");
        assert_eq!(again.to_bytes(), export.to_bytes());
    }
});
