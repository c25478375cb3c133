"""EMV chip data for possim: BER-TLV, tag dictionary, key derivation, cryptograms, a simulated
card, the terminal's field 55 builder, the issuer's verification and the shipped test cards.

Modules: :mod:`emv.tlv`, :mod:`emv.tags`, :mod:`emv.dump`, :mod:`emv.keyderivation`,
:mod:`emv.cryptogram`, :mod:`emv.iad`, :mod:`emv.acdata`, :mod:`emv.card`,
:mod:`emv.terminal_data`, :mod:`emv.terminal`, :mod:`emv.issuer`, :mod:`emv.cards`,
:mod:`emv.masking`, :mod:`emv.errors`.
"""
