// I/O threads as libvirt 9.0's test driver reads and writes them (XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, formattedDomain } from './define-errors.js';

const dom = (top: string) =>
  `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid><memory>1048576</memory><vcpu>2</vcpu>${top}<os><type>hvm</type></os><devices/></domain>`;
const threads = (top: string) =>
  formattedDomain(dom(top))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^<\/?(iothread|defaultiothread)/.test(l));

describe('I/O threads', () => {
  it('fills the ids not given with the lowest unused ones, after the given ones, and keeps the default pool', () => {
    expect(
      threads(
        "<iothreads>4</iothreads><iothreadids><iothread id='3'/><iothread id='1' thread_pool_min='1' thread_pool_max='2'/></iothreadids><defaultiothread thread_pool_max='3'/>",
      ),
    ).toEqual([
      '<iothreads>4</iothreads>',
      '<iothreadids>',
      "<iothread id='3'/>",
      "<iothread id='1' thread_pool_min='1' thread_pool_max='2'/>",
      "<iothread id='2'/>",
      "<iothread id='4'/>",
      '</iothreadids>',
      "<defaultiothread thread_pool_max='3'/>",
    ]);
  });

  it('writes only the count when every id was filled in, and counts at least the ids given', () => {
    expect(threads('<iothreads>3</iothreads>')).toEqual(['<iothreads>3</iothreads>']);
    expect(threads("<iothreads>1</iothreads><iothreadids><iothread id='5'/><iothread id='2'/></iothreadids><defaultiothread/>")).toEqual([
      '<iothreads>2</iothreads>',
      '<iothreadids>',
      "<iothread id='5'/>",
      "<iothread id='2'/>",
      '</iothreadids>',
    ]);
  });

  it.each([
    ['a count that is not a number', '<iothreads>x</iothreads>', [27, 20, "XML error: invalid iothreads count 'x'"]],
    [
      'id 0',
      "<iothreadids><iothread id='0'/></iothreadids>",
      [27, 5, "XML error: Invalid value for attribute 'id' in element 'iothread': Zero is not permitted"],
    ],
    ['an id twice', "<iothreadids><iothread id='2'/><iothread id='2'/></iothreadids>", [27, 20, "XML error: duplicate iothread id '2' found"]],
    [
      'a negative pool size',
      "<iothreadids><iothread id='2' thread_pool_max='-1'/></iothreadids>",
      [27, 5, "XML error: Invalid value for attribute 'thread_pool_max' in element 'iothread': '-1'. Expected non-negative value"],
    ],
    ['a thread without an id', '<iothreadids><iothread/></iothreadids>', [27, 5, "XML error: Missing required attribute 'id' in element 'iothread'"]],
    [
      'a pool minimum without a maximum',
      "<iothreads>2</iothreads><iothreadids><iothread id='1' thread_pool_min='2'/></iothreadids>",
      [67, 20, 'unsupported configuration: thread_pool_min must be smaller or equal to thread_pool_max'],
    ],
    [
      'a default pool maximum of 0',
      "<defaultiothread thread_pool_max='0'/>",
      [67, 20, 'unsupported configuration: thread_pool_max must be a positive integer'],
    ],
  ])('refuses %s', (_name, top, expected) => {
    expect(defineError(dom(top))).toEqual(expected);
  });

  it('refuses counts past its bound instead of filling them in', () => {
    expect(defineError(dom('<iothreads>4294967295</iothreads>'))).toEqual([
      27,
      20,
      'XML error: domain definition has 4294967295 I/O threads; this daemon accepts at most 16384',
    ]);
  });
});
