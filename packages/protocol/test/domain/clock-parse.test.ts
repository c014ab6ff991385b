// A domain's clock as libvirt 9.0 reads and writes it (virDomainDefClockParse, virDomainClockDefFormat; recorded with python3-libvirt on test:///default).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

const clockOf = (clock: string) => /<clock[^>]*\/>/.exec(formattedDomain(domain('', clock)))?.[0];

describe('clock', () => {
  it.each([
    ["<clock offset='variable' adjustment='10'/>", "<clock offset='variable' adjustment='10' basis='utc'/>"],
    ["<clock offset='utc' adjustment='reset'/>", "<clock offset='utc' adjustment='reset'/>"],
    ["<clock offset='localtime' adjustment=' -5'/>", "<clock offset='variable' adjustment='-5' basis='localtime'/>"],
    ["<clock offset='variable' adjustment='x' basis='localtime' foo='1'/>", "<clock offset='variable' adjustment='0' basis='localtime'/>"],
    ["<clock offset='timezone' timezone='A&amp;B' adjustment='3'/>", "<clock offset='timezone' timezone='A&amp;B'/>"],
    ["<clock offset=''/>", "<clock offset='utc'/>"],
    ["<clock offset='variable' basis=''/>", "<clock offset='variable' adjustment='0' basis='utc'/>"],
    ["<clock offset='localtime' adjustment=''/>", "<clock offset='localtime'/>"],
  ])('writes %s as libvirt does', (given, written) => {
    expect(clockOf(given)).toBe(written);
  });

  it.each([
    ["<clock offset='utc' adjustment='x'/>", [27, 20, "XML error: unknown clock adjustment 'x'"]],
    ["<clock offset='variable' basis='bogus'/>", [67, 20, "unsupported configuration: unknown clock basis 'bogus'"]],
    ["<clock offset='timezone'/>", [1, 20, "internal error: missing 'timezone' attribute for clock with offset='timezone'"]],
    ["<clock offset='absolute' start='-1'/>", [1, 20, "internal error: missing 'start' attribute for clock with offset='absolute'"]],
    ["<clock offset='absolute' start='0x10'/>", [1, 20, "internal error: missing 'start' attribute for clock with offset='absolute'"]],
    ["<clock offset='bogus'/>", [67, 20, "unsupported configuration: unknown clock offset 'bogus'"]],
  ])('refuses %s', (clock, expected) => {
    expect(defineError(domain('', clock))).toEqual(expected);
  });
});
