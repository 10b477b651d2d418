# fuzz/fuzz.mk: being written; its targets land with it.
