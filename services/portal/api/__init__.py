"""The portal's pages, by who reads them: the public, a proposer proposing, a proposer
following a proposal."""
