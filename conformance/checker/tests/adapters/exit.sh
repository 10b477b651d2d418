#!/bin/sh
# Misbehaving adapter: exits at once, without reading or answering.
exit 3
