//! Sneakernet bundles (`twin bundle import`): what decodes encodes again and decodes the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twinmesh_protocol::export::Bundle;

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = Bundle::from_bytes(data) {
        let again = Bundle::from_bytes(&bundle.to_bytes()).expect("an encoded bundle decodes");
        assert_eq!(again.to_bytes(), bundle.to_bytes());
    }
});
