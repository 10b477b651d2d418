#!/bin/sh
# Misbehaving adapter: reads a request and never answers.
while IFS= read -r line; do
	sleep 1000
done
