# proofs/proofs.mk: being written; its targets land with it.
