"""Shared kernel: every function DramaTune writes out in numpy in place of a library's (librosa,
scipy.signal), in one place; see README.md beside this file for which library each
follows, how it is tested and why it exists. Import the module you need
(``from dramatune_lib.signal.spectral import stft_power``): nothing is re-exported here, so
importing one kernel loads no other."""
