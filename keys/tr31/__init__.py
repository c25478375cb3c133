"""TR-31 key blocks (ASC X9 TR-31:2018, ANSI X9.143:2021): a key and its attributes, bound together.

A key block is printable ASCII: a header (version, block length, key usage,
algorithm, mode of use, key version number, exportability, optional blocks),
the encrypted key data in hex and a MAC in hex. The MAC covers the header, so
nobody can turn a PIN key into a data key by editing "P0" into "D0".

Supported here:

* Version B, TDES key derivation binding method (TR-31:2018 5.3.2.1): KBEK and
  KBAK derived from the KBPK with TDES-CMAC (NIST SP 800-108 counter mode),
  8-byte CMAC over header || clear payload, payload encrypted with TDES-CBC
  using the MAC as IV.
* Version D, AES key derivation binding method (TR-31:2018 5.3.2.3, the same
  scheme as ISO 20038): as B with AES-CMAC and a 16-byte MAC.
* Versions A and C, key variant binding method (TR-31:2018 5.3.1), for
  *unwrapping* legacy blocks only: KBEK = KBPK xor 45.., KBAK = KBPK xor 4D..,
  TDES-CBC with the first 8 header characters as IV, then a 4-byte
  ISO 9797-1 algorithm 1 MAC over header || ciphertext. Wrapping with them is
  refused: the method is deprecated and new blocks must use B or D.

The clear payload is: key length in bits (2 bytes, big-endian) || key ||
random padding up to a whole number of cipher blocks. ``masked_key_length``
lengthens the padding as if the key had that length, so the block does not
reveal the true key length (X9.143 key length obfuscation).

Header field values are checked against the tables of ANSI X9.143:2021
(6.2 table 1 header layout, 6.3.1 table 2 key usage, 6.3.2 table 3 algorithm,
6.3.3 table 4 mode of use, 6.3.4 table 5 key version number, 6.3.5 table 6
exportability, 6.3.6 table 7 optional blocks), which carry over the TR-31:2018
values; numeric values are accepted as proprietary, as the standard allows.

Every failure raises :class:`keys.errors.KeyBlockError` with a message naming
the field, the offset or the length that was wrong; messages never include
key material or payload bytes.
"""

from keys.errors import KeyBlockError
from keys.tr31.binding import KbpkLengthError, unwrap, wrap
from keys.tr31.header import (
    Algorithm,
    DecodedHeader,
    Exportability,
    KeyBlockHeader,
    KeyUsage,
    ModeOfUse,
    Version,
    decode_header,
)

__all__ = [
    "Algorithm",
    "DecodedHeader",
    "Exportability",
    "KbpkLengthError",
    "KeyBlockError",
    "KeyBlockHeader",
    "KeyUsage",
    "ModeOfUse",
    "Version",
    "decode_header",
    "unwrap",
    "wrap",
]
