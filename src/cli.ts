#!/usr/bin/env node
import { keepFootprintSmall } from './footprint.js';

// Before anything else is loaded: the young generation grows while modules load, and never shrinks back.
keepFootprintSmall();
await import('./main.js');
