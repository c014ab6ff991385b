#!/usr/bin/env node
// virtwired entry point: runs the compiled daemon.
import "../dist/main.js";
