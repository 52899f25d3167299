// Twilio's MMS media rules (docs: messaging/guides/accepted-mime-types, read 2026; and the
// MediaUrl description of CreateMessageRequest in the 2010-04-01 OpenAPI spec).

/** Images Twilio fully supports (transcodes for the handset); they may use the whole 5 MB. */
export const SUPPORTED_IMAGE_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/jpg',
  'image/gif',
  'image/png',
]);

/** Other types the API accepts for MMS but delivers unmodified. */
const OTHER_ACCEPTED = [
  // Images
  'image/bmp',
  'image/tiff',
  'image/heic',
  'image/heif',
  // Audio
  'audio/basic',
  'audio/l24',
  'audio/mp4',
  'audio/mpeg',
  'audio/ogg',
  'audio/vorbis',
  'audio/vnd.rn-realaudio',
  'audio/vnd.wave',
  'audio/3gpp',
  'audio/3gpp2',
  'audio/ac3',
  'audio/webm',
  'audio/amr-nb',
  'audio/amr',
  'audio/aac',
  // Video
  'video/mpeg',
  'video/mpeg4',
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'video/3gpp',
  'video/3gpp2',
  'video/3gpp-tt',
  'video/h261',
  'video/h263',
  'video/h263-1998',
  'video/h263-2000',
  'video/h264',
  // Text
  'text/vcard',
  'text/x-vcard',
  'text/csv',
  'text/rtf',
  'text/richtext',
  'text/calendar',
  'text/directory',
  // Application
  'application/pdf',
  'application/vcard',
  'application/vnd.apple.pkpass',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
];

/** Every MIME type (lowercase, no parameters) Twilio accepts as MMS media. */
export const ACCEPTED_MEDIA_TYPES: ReadonlySet<string> = new Set([
  ...SUPPORTED_IMAGE_TYPES,
  ...OTHER_ACCEPTED,
]);

/** Twilio's MMS limits. */
export const MEDIA_LIMITS = {
  /** All media of one message together. */
  totalBytes: 5 * 1024 * 1024,
  /** Each file of a type other than jpeg/jpg/gif/png (spec: "500 KB for other types"). */
  otherTypeBytes: 500 * 1024,
  /** Redirects followed when fetching a MediaUrl. */
  maxRedirects: 5,
  /** How long one MediaUrl fetch (all redirects and the body) may take. */
  fetchTimeoutMs: 15_000,
} as const;

/**
 * The MIME essence of a Content-Type header: lowercase, parameters dropped
 * (`Image/PNG; charset=x` → `image/png`). `null` when the header is absent or blank.
 */
export function mimeEssence(header: string | null | undefined): string | null {
  if (!header) return null;
  const essence = header.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(essence) ? essence : null;
}
