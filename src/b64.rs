//! base64url without padding (RFC 4648 §5), the only encoding PKCE uses.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    encode_into(&mut out, input);
    out
}

/// `encode`, appended to `out`.
pub fn encode_into(out: &mut String, input: &[u8]) {
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            crate::push_ascii(out, ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]);
        }
    }
}

/// Decodes unpadded base64url; `None` on any other character, on padding, or
/// on a length no encoder produces.
pub fn decode(input: &str) -> Option<Vec<u8>> {
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for b in input.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = ((acc << 6) | u32::from(v)) & 0xffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // Leftover bits must be zero, so each byte string has one encoding.
    if acc & ((1 << bits) - 1) != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    // The same tests run in the browser under `wasm-pack test`.
    use super::{decode, encode};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn decode_round_trips_and_is_strict() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }
        for bad in ["a", "Zg=", "Z+", "Z/", "Zh", "Z g"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc7636_appendix_a() {
        assert_eq!(encode(&[3, 236, 255, 224, 193]), "A-z_4ME");
    }

    #[test]
    fn lengths_follow_ceil_4n_over_3() {
        assert_eq!(encode(&[0; 31]).len(), 42);
        assert_eq!(encode(&[0; 32]).len(), 43);
        assert_eq!(encode(&[0; 96]).len(), 128);
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg");
        assert_eq!(encode(b"fo"), "Zm8");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }
}
