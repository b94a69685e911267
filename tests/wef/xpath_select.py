#!/usr/bin/env python3
"""Runs the XPath queries of WEF subscription files over events, as Windows would, with lxml:
    xpath_select.py EVENTS.jsonl SUBSCRIPTION.xml...
EVENTS.jsonl holds one {"key": ..., "xml": "<Event ...>"} per line. Each subscription must be
well-formed; its Query element holds a QueryList whose <Select Path=CHANNEL> applies to the
events of that channel. Windows' event XPath ignores the event namespace, so it is stripped
before evaluating. Prints {"selected": [key, ...], "queries": [[path, xpath], ...]} as JSON."""
import json
import sys

from lxml import etree

SUBSCRIPTION = "{http://schemas.microsoft.com/2006/03/windows/events/subscription}"


def strip_namespaces(root):
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.split("}", 1)[1]
    etree.cleanup_namespaces(root)
    return root


def queries(path):
    doc = etree.parse(path)  # raises on a document that is not well-formed
    if not doc.getroot().tag == SUBSCRIPTION + "Subscription":
        raise SystemExit(f"{path}: root is {doc.getroot().tag}, not a subscription")
    query_list = etree.fromstring(doc.find(SUBSCRIPTION + "Query").text.strip())
    for select in query_list.iter("Select"):
        yield select.get("Path"), select.text.strip()


def main():
    selects = [q for path in sys.argv[2:] for q in queries(path)]
    compiled = [(path, etree.XPath(xpath)) for path, xpath in selects]
    selected = []
    with open(sys.argv[1], encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            root = strip_namespaces(etree.fromstring(event["xml"].encode("utf-8")))
            channel = root.findtext("System/Channel")
            # Windows evaluates a query with the event document as the context, where `*` is the
            # Event element; lxml's context is an element, so the event gets a parent to stand in.
            document = etree.Element("document")
            document.append(root)
            if any(path == channel and xpath(document) for path, xpath in compiled):
                selected.append(event["key"])
    json.dump({"selected": selected, "queries": selects}, sys.stdout)


if __name__ == "__main__":
    main()
