#!/bin/sh
# Misbehaving adapter: answers every request with a line that is not JSON.
while IFS= read -r line; do
	echo 'this is not json {'
done
