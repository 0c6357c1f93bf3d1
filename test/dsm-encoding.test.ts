import { describe, expect, it } from 'vitest';
import { encodeForm, encodeValue, joinMultiValue } from '../src/providers/synology/dsm/encoding.js';
import { splitMultiValue } from '../src/providers/synology/simulator/wire.js';
import { OperationError } from '../src/errors.js';

describe('DSM parameter encoding', () => {
  it('encodes spaces as %20, never as +', () => {
    expect(encodeForm({ guest_name: 'web 01' })).toBe('guest_name=web%2001');
  });

  it('JSON-encodes arrays and plain objects', () => {
    expect(encodeValue('storage_ids', ['a', 'b'])).toBe('["a","b"]');
    expect(encodeValue('vdisks', [{ create_type: 0, vdisk_size: 10240 }])).toBe('[{"create_type":0,"vdisk_size":10240}]');
    expect(encodeForm({ vnics: [{ network_id: '' }] })).toBe('vnics=%5B%7B%22network_id%22%3A%22%22%7D%5D');
  });

  it('writes booleans as true/false and numbers as decimals', () => {
    expect(encodeForm({ additional: true, force: false, vcpu_num: 4, ratio: 0.5 })).toBe('additional=true&force=false&vcpu_num=4&ratio=0.5');
    expect(encodeValue('big', 1e21)).toBe('1000000000000000000000');
    expect(encodeValue('tiny', 1e-7)).toBe('0.0000001');
  });

  it('drops null and undefined parameters', () => {
    expect(encodeForm({ a: null, b: undefined, c: 'x' })).toBe('c=x');
  });

  it('refuses numbers that are not finite', () => {
    expect(() => encodeForm({ vcpu_num: Number.NaN })).toThrow(OperationError);
    expect(() => encodeForm({ vcpu_num: Number.POSITIVE_INFINITY })).toThrow(/vcpu_num must be a finite number/);
  });

  it('refuses a lone UTF-16 surrogate with an invalid_input error', () => {
    expect(() => encodeForm({ guest_name: 'bad\uD800' })).toThrow(expect.objectContaining({ kind: 'invalid_input' }));
  });

  it.each([
    'name with spaces',
    'a,b,c',
    'quote"d \'single\'',
    'back\\slash\\\\double',
    'émoji 🚀 日本語',
    'plus+and&amp=eq?#hash%25',
    '!*()~-_.',
  ])('round-trips %j through a form decoder unchanged', (name) => {
    const decoded = new URLSearchParams(encodeForm({ guest_name: name, list: [name] }));
    expect(decoded.get('guest_name')).toBe(name);
    expect(JSON.parse(decoded.get('list') ?? 'null')).toEqual([name]);
  });
});

describe('multi-value string parameters', () => {
  it("escapes commas and backslashes by the guide's rule, and the simulator splits them back", () => {
    const values = ['network', 'a,b', 'c\\d', 'e\\,f', ''];
    const joined = joinMultiValue(values);
    expect(joined).toBe('network,a\\,b,c\\\\d,e\\\\\\,f,');
    expect(splitMultiValue(joined)).toEqual(values);
    expect(joinMultiValue(['network', 'storage'])).toBe('network,storage');
  });
});
