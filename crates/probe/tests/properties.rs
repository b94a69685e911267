//! Property tests over the protocol decoders: any bytes decode to a value or an error (never a
//! panic), and what we encode decodes back to what we meant.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actdoc_probe::dns::message::{self, RecordData, TYPE_SRV};
use actdoc_probe::rpc::pdu::{self, BindReply, ContextResult};
use actdoc_probe::sntp::packet::{self, NtpTimestamp};
use proptest::prelude::*;

/// A bind_ack as a server would build it, for round trips.
fn bind_ack(call_id: u32, secondary: &str, results: &[(u16, u16)]) -> Vec<u8> {
    let mut body = vec![0xd0, 0x16, 0xd0, 0x16, 0x78, 0x56, 0x34, 0x12];
    let sec = format!("{secondary}\0");
    body.extend_from_slice(&u16::try_from(sec.len()).unwrap().to_le_bytes());
    body.extend_from_slice(sec.as_bytes());
    while (16 + body.len()) % 4 != 0 {
        body.push(0);
    }
    body.extend_from_slice(&[u8::try_from(results.len()).unwrap(), 0, 0, 0]);
    for (result, reason) in results {
        body.extend_from_slice(&result.to_le_bytes());
        body.extend_from_slice(&reason.to_le_bytes());
        body.extend_from_slice(&pdu::NDR32.uuid);
        body.extend_from_slice(&pdu::NDR32.version.to_le_bytes());
    }
    let len = u16::try_from(16 + body.len()).unwrap();
    let mut out = vec![5, 0, pdu::PTYPE_BIND_ACK, 3, 0x10, 0, 0, 0];
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&call_id.to_le_bytes());
    out.extend_from_slice(&body);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn rpc_replies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = pdu::decode_bind_reply(&bytes);
        let _ = pdu::Header::decode(&bytes);
    }

    #[test]
    fn rpc_replies_that_start_like_rpc_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..120), ptype in 0u8..20, len in 0u16..200) {
        let mut bytes = vec![5, 0, ptype, 3, 0x10, 0, 0, 0];
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes.extend_from_slice(&tail);
        let _ = pdu::decode_bind_reply(&bytes);
    }

    #[test]
    fn bind_acks_round_trip(call_id: u32, secondary in "[0-9]{0,6}", results in proptest::collection::vec((0u16..4, 0u16..4), 1..4)) {
        let bytes = bind_ack(call_id, &secondary, &results);
        let BindReply::Ack { secondary_address, results: decoded, .. } = pdu::decode_bind_reply(&bytes).unwrap() else {
            panic!("not an ack");
        };
        prop_assert_eq!(secondary_address, secondary);
        let expected: Vec<ContextResult> = results.iter().map(|&(result, reason)| ContextResult { result, reason }).collect();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn dns_messages_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = message::decode_response(&bytes);
    }

    #[test]
    fn a_query_turned_into_an_empty_answer_decodes(id: u16, labels in proptest::collection::vec("[a-z0-9_]{1,20}", 1..5)) {
        let name = labels.join(".");
        let mut bytes = message::encode_query(id, &name, TYPE_SRV).unwrap();
        bytes[2] |= 0x80; // now a response, echoing the question
        let r = message::decode_response(&bytes).unwrap();
        prop_assert_eq!((r.id, r.rcode, r.answers.len()), (id, 0, 0));
    }

    #[test]
    fn srv_answers_round_trip(priority: u16, weight: u16, port: u16, target in "[a-z]{1,10}\\.[a-z]{1,10}") {
        let mut m = vec![0, 7, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0];
        m.extend_from_slice(&[0, 33, 0, 1, 0, 0, 0, 60]);
        let mut rdata = Vec::new();
        for v in [priority, weight, port] {
            rdata.extend_from_slice(&v.to_be_bytes());
        }
        for label in target.split('.') {
            rdata.push(u8::try_from(label.len()).unwrap());
            rdata.extend_from_slice(label.as_bytes());
        }
        rdata.push(0);
        m.extend_from_slice(&u16::try_from(rdata.len()).unwrap().to_be_bytes());
        m.extend_from_slice(&rdata);
        let r = message::decode_response(&m).unwrap();
        prop_assert_eq!(&r.answers[0].data, &RecordData::Srv { priority, weight, port, target: target.clone() });
    }

    #[test]
    fn sntp_replies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..100), origin: u64) {
        let _ = packet::decode_reply(&bytes, NtpTimestamp(origin));
    }
}
