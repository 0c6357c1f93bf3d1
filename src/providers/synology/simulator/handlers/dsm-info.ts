import type { Handler } from '../context.js';

/**
 * SYNO.DSM.Info `getinfo`, which clients call right after login (Home Assistant's refuses a box that
 * does not list it), and SYNO.API.Encryption `getinfo`, listed for clients that encrypt the password
 * over plain HTTP. Both answer in the fields real boxes use.
 */

const MODEL = 'DS1621+';
const VERSIONS = {
  7: { version: '69057', version_string: 'DSM 7.2.1-69057 Update 5' },
  6: { version: '25556', version_string: 'DSM 6.2.4-25556 Update 7' },
} as const;
/** Placeholder parameter names DSM tells the client to use for the encrypted fields. */
const CIPHER_KEY = '__cIpHeRtExT';
const CIPHER_TOKEN = '__cIpHeRtOkEn';

export const dsmInfoMethods: Readonly<Record<string, Handler>> = {
  getinfo: ({ sim }) => {
    const now = sim.timers.now();
    return {
      model: MODEL,
      ram: 8192,
      serial: 'SIMULATED0001',
      temperature: 41,
      temperature_warn: false,
      time: new Date(now).toUTCString(),
      uptime: Math.floor((now - sim.startedAt) / 1000),
      ...VERSIONS[sim.options.dsmVersion],
    };
  },
};

export const encryptionMethods: Readonly<Record<string, Handler>> = {
  getinfo: ({ sim }) => ({
    cipherkey: CIPHER_KEY,
    ciphertoken: CIPHER_TOKEN,
    // A public RSA modulus in hex, as DSM sends it; public by nature, and the simulator decrypts nothing.
    public_key: 'c3'.repeat(128),
    server_time: Math.floor(sim.timers.now() / 1000),
  }),
};
