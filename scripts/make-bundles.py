#!/usr/bin/env python3
"""Writes N doctor bundles (the layout of crates/logs/src/bundle.rs and the README) into DIR, one
per made-up machine, as a GPO startup script would leave them on a collector share:
    scripts/make-bundles.py N DIR
Each holds a manifest, the WMI licence objects (Windows 11 Enterprise and Office LTSC 2021, KMS
clients) as ConvertTo-Json writes them, and a 12288/12289 pair of events; every 7th machine's
Office was refused with 0xC004F06C. A second writer of the layout, independent of doctor's."""
import json
import os
import sys
import zipfile

WINDOWS_APP = "55c92734-d682-4d71-983e-d6ec3f16059f"
OFFICE_APP = "0ff1ce15-a989-479d-af46-f275c6370663"
ENTERPRISE = "73111121-5638-40f6-bc11-f1d7b0d64300"
OFFICE_2021 = "fbdb3e18-a8ef-4fb3-9183-dffd60bd0984"
EVENT = ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
         "<Provider Name='Microsoft-Windows-Security-SPP' Guid='{{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}}' "
         "EventSourceName='Software Protection Platform Service'/><EventID Qualifiers='16384'>{id}</EventID>"
         "<Level>4</Level><TimeCreated SystemTime='2026-11-{day:02d}T08:{minute:02d}:00.0000000Z'/>"
         "<EventRecordID>{record}</EventRecordID><Channel>Application</Channel><Computer>{computer}.corp.example"
         "</Computer></System><EventData><Data>{data}</Data></EventData></Event>")


def bundle(path, i):
    computer = f"PC{i:06d}"
    cmid = f"{i:08x}-0000-4000-8000-000000000001"
    refused = i % 7 == 0
    day = 1 + i % 28
    code = "0xC004F06C" if refused else "0x00000000"
    request = EVENT.format(id=12288, day=day, minute=0, record=2 * i + 1, computer=computer,
                           data=f"{code}, 0x00000000, kms1.corp.example:1688, {cmid}, 2026/11/{day:02d} 08:00, 0, 2, 43200, {OFFICE_2021}, 25")
    answer = EVENT.format(id=12289, day=day, minute=1, record=2 * i + 2, computer=computer,
                          data=f"{code}, 0x04000000, 0, 0, 30, 120, 10080, 2026/11/{day:02d} 08:01")
    objects = [
        {"ID": ENTERPRISE, "Name": "Windows(R), Enterprise edition", "ApplicationID": WINDOWS_APP,
         "PartialProductKey": "Q6J8P", "ProductKeyChannel": "Volume:GVLK", "LicenseStatus": 1,
         "GracePeriodRemaining": 250000, "PSComputerName": computer},
        {"ID": OFFICE_2021, "Name": "Office 21, Office21ProPlus2021VL_KMS_Client_AE edition", "ApplicationID": OFFICE_APP,
         "PartialProductKey": "6F7TH", "ProductKeyChannel": "Volume:GVLK", "LicenseStatus": 5 if refused else 1,
         "LicenseStatusReason": 3221549164 if refused else 0, "GracePeriodRemaining": 0 if refused else 250000,
         "PSComputerName": computer},
        {"ClientMachineID": cmid.upper(), "KeyManagementServiceMachine": "kms1.corp.example",
         "KeyManagementServicePort": 1688, "Version": "10.0.22621.1", "PSComputerName": computer},
    ]
    manifest = {"bundle": 1, "generated_by": "make-bundles.py", "computer": computer,
                "collected_at": f"2026-11-{day:02d}T09:00:00Z",
                "collected": {k: {"ok": True, "detail": "made up"} for k in
                              ("wmi_products", "wmi_service", "event_log", "registry", "checks")},
                "dns_search": ["corp.example"], "kms_target": "kms1.corp.example:1688"}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("actdoc-bundle.json", json.dumps(manifest, indent=2))
        z.writestr("events.xml", f"<Events>\n{request}\n{answer}\n</Events>\n")
        z.writestr("licensing.json", json.dumps(objects, indent=2))
        z.writestr("registry.json", "{}")


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        bundle(os.path.join(out, f"PC{i:06d}.zip"), i)


if __name__ == "__main__":
    main()
