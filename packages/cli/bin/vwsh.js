#!/usr/bin/env node
// vwsh entry point: runs the compiled shell.
import "../dist/main.js";
