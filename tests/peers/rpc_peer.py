#!/usr/bin/python3
"""A real DCE/RPC server for actdoc's tests, built on impacket's DCERPCServer (Debian
python3-impacket; run with /usr/bin/python3, which has it). Listens on 127.0.0.1 on a free port,
prints the port on stdout, then serves until killed.

Usage: rpc_peer.py MODE [ADDRESS [PORT]]   (default 127.0.0.1, a free port)

Modes:
  kms     serves the KMS interface 51C82175-844E-4750-B0D8-EC255555BC06 v1.0: a bind gets a
          bind_ack with the context accepted (what a real KMS host answers).
  closes  serves another interface with the stock class, which drops the connection when asked
          for one it does not serve: the "closed right after bind" case.
  reject  serves another interface and answers a bind for any other with a bind_ack whose
          context is a provider rejection (result 2, reason 1), as a Windows RPC server does.
It never implements RequestActivation: there is nothing here that activates anything.
"""
import sys

from impacket.dcerpc.v5.rpcrt import (
    DCERPCServer, MSRPCBindAck, CtxItem, CtxItemResult, MSRPC_BINDACK,
)
from impacket.uuid import uuidtup_to_bin

KMS = ("51C82175-844E-4750-B0D8-EC255555BC06", "1.0")
OTHER = ("12345778-1234-ABCD-EF00-0123456789AB", "0.0")
NDR32 = ("8a885d04-1ceb-11c9-9fe8-08002b104860", "2.0")
PROVIDER_REJECTION = 2
ABSTRACT_SYNTAX_NOT_SUPPORTED = 1


class RejectingServer(DCERPCServer):
    """Answers every bind for an interface it does not serve with a provider rejection."""

    def bind(self, packet, bind):
        resp = MSRPCBindAck()
        resp["type"] = MSRPC_BINDACK
        resp["flags"] = packet["flags"]
        resp["frag_len"] = 0
        resp["auth_len"] = 0
        resp["auth_data"] = b""
        resp["call_id"] = packet["call_id"]
        resp["max_tfrag"] = bind["max_tfrag"]
        resp["max_rfrag"] = bind["max_rfrag"]
        resp["assoc_group"] = 0x1234
        resp["SecondaryAddr"] = str(self.getListenPort())
        resp["SecondaryAddrLen"] = len(resp["SecondaryAddr"]) + 1
        data = bind["ctx_items"]
        items = b""
        for _ in range(bind["ctx_num"]):
            item = CtxItem(data)
            data = data[len(item):]
            served = item["AbstractSyntax"] in self._listenUUIDS
            result = CtxItemResult()
            result["Result"] = 0 if served else PROVIDER_REJECTION
            result["Reason"] = 0 if served else ABSTRACT_SYNTAX_NOT_SUPPORTED
            result["TransferSyntax"] = uuidtup_to_bin(NDR32)
            items += result.getData()
        resp["ctx_num"] = bind["ctx_num"]
        resp["Pad"] = "A" * ((4 - ((resp["SecondaryAddrLen"] + MSRPCBindAck._SIZE) % 4)) % 4)
        resp["ctx_items"] = items
        resp["frag_len"] = len(resp.getData())
        self._clientSock.send(resp.getData())
        return None


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "kms"
    address = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    server = RejectingServer() if mode == "reject" else DCERPCServer()
    server._sock.close()
    server._listenAddress = address
    server.setListenPort(port)
    interface = KMS if mode == "kms" else OTHER
    server.addCallbacks(interface, str(server.getListenPort()), {})
    # Listen before announcing the port, so a client never races the server thread's listen().
    server._sock.listen(10)
    server.daemon = True
    server.start()
    print(server.getListenPort(), flush=True)
    server.join()


if __name__ == "__main__":
    main()
