/* Test harness only, never shipped: Rust's std (1.78+) fills its random seeds with ProcessPrng
 * from bcryptprimitives.dll, which Wine 8 does not have, so actdoc.exe would not start there.
 * This stand-in exports ProcessPrng and answers it with RtlGenRandom (advapi32's
 * SystemFunction036), which Wine has. crates/actdoc/tests/windows.rs builds it with mingw and
 * puts it beside the exe under test. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG part = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, part)) {
            return FALSE;
        }
        data += part;
        length -= part;
    }
    return TRUE;
}
