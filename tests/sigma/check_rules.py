#!/usr/bin/env python3
"""Checks exported Sigma rules with the real toolchain (pySigma 1.x and its backends):
    check_rules.py RULES_DIR EVENTS.json
Every rule must load, pass all of pySigma's core validators, and convert with the Elasticsearch
Lucene and the Splunk backends; then the DuckDB backend's query of each rule runs over EVENTS.json
(an array of flat events: key, EventID, Provider_Name, Channel, Data). Prints, as JSON,
{"rules": {file: {"id", "matched": [key, ...], "lucene", "splunk"}}, "issues": [...]}."""
import json
import pathlib
import sys

import duckdb
from sigma.backends.elasticsearch import LuceneBackend
from sigma.backends.splunk import SplunkBackend
from sigma.collection import SigmaCollection
from sigma.validation import SigmaValidator
from sigma.validators.core import validators
from sigma_backend_duckdb import DuckDBBackend


def main():
    rules_dir, events = pathlib.Path(sys.argv[1]), sys.argv[2]
    files = sorted(rules_dir.glob("*.yml"))
    issues = []
    validator = SigmaValidator(validators.values())
    con = duckdb.connect()
    con.execute("CREATE TABLE logs AS SELECT * FROM read_json_auto(?, format='array')", [events])
    out = {}
    for path in files:
        collection = SigmaCollection.from_yaml(path.read_text(encoding="utf-8"))
        for rule in collection.rules:
            for error in rule.errors:
                issues.append(f"{path.name}: {error}")
        issues.extend(f"{path.name}: {issue}" for issue in validator.validate_rules(collection.rules))
        lucene = LuceneBackend().convert(collection)
        splunk = SplunkBackend().convert(collection)
        sql = DuckDBBackend().convert(collection)
        if not (lucene and splunk and sql):
            issues.append(f"{path.name}: a backend gave no query")
        matched = []
        for query in sql:
            keys = [row[0] for row in con.execute(query.replace("SELECT *", "SELECT key", 1)).fetchall()]
            matched.extend(keys)
        out[path.name] = {"id": str(collection.rules[0].id), "matched": sorted(matched), "lucene": lucene, "splunk": splunk, "sql": sql}
    json.dump({"rules": out, "issues": issues}, sys.stdout, default=str)


if __name__ == "__main__":
    main()
