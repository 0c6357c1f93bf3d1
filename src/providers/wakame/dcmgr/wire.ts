import { z } from 'zod';

/**
 * The shapes of dcmgr's answers on the routes this client calls, as far as the client relies on them.
 * Unknown fields are kept (dcmgr adds fields between versions); a missing required field is a
 * protocol error, not a crash further up.
 */

const timestamp = z.string();
const optionalText = z.string().nullish();

export const wireImage = z.looseObject({
  id: z.string(),
  uuid: optionalText,
  account_id: optionalText,
  display_name: optionalText,
  description: optionalText,
  arch: optionalText,
  state: z.string(),
  is_public: z.union([z.boolean(), z.number()]).nullish(),
  file_format: optionalText,
  os_type: optionalText,
  service_type: optionalText,
  boot_dev_type: z.union([z.number(), z.string()]).nullish(),
  parent_image_id: optionalText,
  backup_object_id: optionalText,
  created_at: timestamp.nullish(),
  updated_at: timestamp.nullish(),
  deleted_at: timestamp.nullish(),
});
export type WireImage = z.infer<typeof wireImage>;

export const wireVolume = z.looseObject({
  vol_id: z.string(),
  guest_device_name: optionalText,
  state: optionalText,
  size: z.number().nullish(),
});

export const wireVif = z.looseObject({
  vif_id: z.string(),
  network_id: optionalText,
  mac_addr: optionalText,
  ipv4: z.looseObject({ address: optionalText, nat_address: optionalText }).nullish(),
});

export const wireInstance = z.looseObject({
  id: z.string(),
  account_id: optionalText,
  host_node: optionalText,
  cpu_cores: z.number(),
  memory_size: z.number(),
  arch: optionalText,
  image_id: optionalText,
  state: z.string(),
  status: optionalText,
  hostname: optionalText,
  display_name: optionalText,
  hypervisor: optionalText,
  service_type: optionalText,
  created_at: timestamp.nullish(),
  volume: z.array(wireVolume).nullish(),
  vif: z.array(wireVif).nullish(),
});
export type WireInstance = z.infer<typeof wireInstance>;

/** `PUT /instances/:id/backup`: the image the backup becomes. */
export const wireBackup = z.looseObject({
  instance_id: z.string(),
  backup_object_id: optionalText,
  image_id: z.string(),
});
export type WireBackup = z.infer<typeof wireBackup>;

/** `PUT /images/:id/copy_to`: the job dcmgr queued. */
export const wireJob = z.looseObject({ uuid: z.string(), created_at: timestamp.nullish() });
export type WireJob = z.infer<typeof wireJob>;

/**
 * What a job ended with: a copy names where it went and the ids the destination registered it
 * under; a failed try says why (`error_type` only when dcmgr was handed an exception, not a text).
 */
export const wireFinishMessage = z.looseObject({
  destination: optionalText,
  backup_object_id: optionalText,
  image_id: optionalText,
  message: optionalText,
  error_type: optionalText,
});

/**
 * `GET /jobs/:id`: one queued job. `params` holds what the job was given; for a copy, the image as it
 * was (with its owner) and the destination.
 */
export const wireQueuedJob = z.looseObject({
  id: z.string(),
  uuid: optionalText,
  queue_name: optionalText,
  resource_id: optionalText,
  worker_id: optionalText,
  state: z.string(),
  retry_max: z.number().nullish(),
  retry_count: z.number().nullish(),
  finish_status: optionalText,
  finish_message: wireFinishMessage.nullish(),
  params: z
    .looseObject({
      destination: optionalText,
      image: z.looseObject({ id: optionalText, account_id: optionalText, display_name: optionalText, is_public: z.union([z.boolean(), z.number()]).nullish() }).nullish(),
    })
    .nullish(),
  created_at: timestamp.nullish(),
  updated_at: timestamp.nullish(),
  started_at: timestamp.nullish(),
  finished_at: timestamp.nullish(),
});
export type WireQueuedJob = z.infer<typeof wireQueuedJob>;

/** Power actions on 12.03 answer `{ "instance_id" }` (poweron, poweroff) or `["i-..."]` (start, stop, reboot). */
export const wireIdAnswer = z.union([z.array(z.string()).min(1), z.looseObject({ instance_id: z.string() })]);

/** Deletes answer the deleted ids: `["wmi-..."]`, `["i-..."]`. */
export const wireIdList = z.array(z.string());

/**
 * One page of a list. dcmgr 12.03 answers `[{ total, start, limit, results }]`; the older API the
 * seed documents says `owner_total` (and `result` in its table). Both are read into this one form.
 */
export interface WirePage {
  total: number;
  start: number;
  items: unknown[];
}

const pageObject = z.looseObject({
  total: z.number().optional(),
  owner_total: z.number().optional(),
  start: z.number().nullish(),
  limit: z.number().nullish(),
  results: z.array(z.unknown()).optional(),
  result: z.array(z.unknown()).optional(),
});

/** Undefined when `body` is neither list shape. */
export function parsePage(body: unknown): WirePage | undefined {
  const wrapped = Array.isArray(body) && body.length === 1 ? body[0] : body;
  const parsed = pageObject.safeParse(wrapped);
  if (!parsed.success) return undefined;
  const page = parsed.data;
  const items = page.results ?? page.result;
  const total = page.total ?? page.owner_total;
  if (items === undefined || total === undefined) return undefined;
  return { total, start: page.start ?? 0, items };
}
