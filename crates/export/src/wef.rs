//! Source-initiated WEF subscriptions (`wecutil cs FILE`): one for every machine's Application log
//! (the client events), one for KMS hosts' "Key Management Service" log. Events are forwarded whole
//! (`ContentFormat` Events, so the XML keeps every field the analysis reads) into the collector's
//! ForwardedEvents log; each keeps its original `Channel`, which is how the scan tells client
//! events from a host's.

use std::fmt::Write as _;

use actdoc_logs::xpath::{self, ChannelQuery};

use crate::xml_escape;

/// Domain Computers may subscribe (`DC`: the well-known Domain Computers group), as Event Viewer
/// writes it when that group is chosen.
pub const DOMAIN_COMPUTERS_SDDL: &str = "O:NSG:BAD:P(A;;GA;;;DC)S:";

#[derive(Clone, Debug)]
pub struct Options {
    /// `AllowedSourceDomainComputers`: who may send (an SDDL).
    pub allowed_sddl: String,
}

impl Default for Options {
    fn default() -> Options {
        Options { allowed_sddl: DOMAIN_COMPUTERS_SDDL.to_string() }
    }
}

/// One subscription: the file `--out` writes and its XML document.
#[derive(Clone, Debug)]
pub struct Subscription {
    pub file_name: &'static str,
    pub id: &'static str,
    pub xml: String,
}

/// Delivery: activation is not urgent, so events are batched for up to 15 minutes; a heartbeat
/// every hour shows the collector which machines are still subscribed.
struct Delivery {
    max_items: u32,
    max_latency_ms: u32,
    heartbeat_ms: u32,
}

const DELIVERY: Delivery = Delivery { max_items: 50, max_latency_ms: 900_000, heartbeat_ms: 3_600_000 };

/// The two subscriptions, clients first.
pub fn subscriptions(options: &Options) -> [Subscription; 2] {
    [
        Subscription {
            file_name: "clients.xml",
            id: "actdoc-activation-clients",
            xml: document(
                "actdoc-activation-clients",
                "Volume activation events of every machine (Security-SPP: KMS requests and answers, slui and \
                 licensing-service failures, AD-based activation, DNS publishing of KMS hosts), for actdoc scan.",
                &xpath::application(None),
                options,
            ),
        },
        Subscription {
            file_name: "kms-hosts.xml",
            id: "actdoc-activation-kms-hosts",
            xml: document(
                "actdoc-activation-kms-hosts",
                "Every request a KMS host logged (event 12290 of the Key Management Service log): its 30-day \
                 count and the clients it refused, for actdoc scan.",
                &xpath::kms_host(None),
                options,
            ),
        },
    ]
}

fn document(id: &str, description: &str, query: &ChannelQuery, options: &Options) -> String {
    let channel = xml_escape(query.channel);
    let select = xml_escape(&query.xpath);
    let mut xml = String::new();
    let _ = write!(
        xml,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Subscription xmlns="http://schemas.microsoft.com/2006/03/windows/events/subscription">
  <SubscriptionId>{id}</SubscriptionId>
  <SubscriptionType>SourceInitiated</SubscriptionType>
  <Description>{description}</Description>
  <Enabled>true</Enabled>
  <Uri>http://schemas.microsoft.com/wbem/wsman/1/windows/EventLog</Uri>
  <ConfigurationMode>Custom</ConfigurationMode>
  <Delivery Mode="Push">
    <Batching>
      <MaxItems>{max_items}</MaxItems>
      <MaxLatencyTime>{max_latency}</MaxLatencyTime>
    </Batching>
    <PushSettings>
      <Heartbeat Interval="{heartbeat}"/>
    </PushSettings>
  </Delivery>
  <Query><![CDATA[<QueryList><Query Id="0" Path="{channel}"><Select Path="{channel}">{select}</Select></Query></QueryList>]]></Query>
  <ReadExistingEvents>true</ReadExistingEvents>
  <TransportName>HTTP</TransportName>
  <ContentFormat>Events</ContentFormat>
  <Locale Language="en-US"/>
  <LogFile>ForwardedEvents</LogFile>
  <PublisherName>Microsoft-Windows-EventCollector</PublisherName>
  <AllowedSourceNonDomainComputers></AllowedSourceNonDomainComputers>
  <AllowedSourceDomainComputers>{sddl}</AllowedSourceDomainComputers>
</Subscription>
"#,
        id = xml_escape(id),
        description = xml_escape(description),
        max_items = DELIVERY.max_items,
        max_latency = DELIVERY.max_latency_ms,
        heartbeat = DELIVERY.heartbeat_ms,
        sddl = xml_escape(&options.allowed_sddl),
    );
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_subscription_is_a_whole_document_for_its_channel() {
        let [clients, hosts] = subscriptions(&Options::default());
        for s in [&clients, &hosts] {
            assert!(s.xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Subscription "), "{}", s.xml);
            assert!(s.xml.contains("<SubscriptionType>SourceInitiated</SubscriptionType>"));
            assert!(s.xml.contains("<ContentFormat>Events</ContentFormat>"));
            assert!(s.xml.contains("<LogFile>ForwardedEvents</LogFile>"));
            assert!(s.xml.contains(&format!("<SubscriptionId>{}</SubscriptionId>", s.id)));
        }
        assert!(clients.xml.contains(r#"<Select Path="Application">"#));
        assert!(hosts.xml.contains(r#"<Select Path="Key Management Service">*[System[(EventID=12290)]]</Select>"#));
    }

    #[test]
    fn a_given_sddl_is_escaped_into_place() {
        let options = Options { allowed_sddl: "O:NSG:BAD:P(A;;GA;;;S-1-5-21-1-2-3-1105)S:<&>".into() };
        let [clients, _] = subscriptions(&options);
        assert!(
            clients.xml.contains("<AllowedSourceDomainComputers>O:NSG:BAD:P(A;;GA;;;S-1-5-21-1-2-3-1105)S:&lt;&amp;&gt;</AllowedSourceDomainComputers>"),
            "{}",
            clients.xml
        );
    }
}
