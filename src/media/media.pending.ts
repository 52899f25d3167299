import type { Ids } from '../ids.js';
import type { Message } from '../store/records.js';
import type { MediaRecord, NewMedia } from '../store/store.js';

/**
 * File extensions of accepted MMS types, for the `content_type` a Media shows before its bytes
 * are fetched. Twilio only creates Media after fetching (docs: messaging/api/media-resource), so
 * this guess is Loft's own (unsourced): the fetched Content-Type replaces it.
 */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  heif: 'image/heif',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  wav: 'audio/vnd.wave',
  amr: 'audio/amr',
  aac: 'audio/aac',
  mp4: 'video/mp4',
  mpeg: 'video/mpeg',
  mov: 'video/quicktime',
  webm: 'video/webm',
  '3gp': 'video/3gpp',
  vcf: 'text/vcard',
  csv: 'text/csv',
  rtf: 'text/rtf',
  ics: 'text/calendar',
  pdf: 'application/pdf',
  pkpass: 'application/vnd.apple.pkpass',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

/** The accepted MIME type a URL's path extension names, or `''` when it names none. */
export function guessContentType(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return '';
  }
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (ext !== undefined && BY_EXTENSION[ext]) || '';
}

/**
 * Whether a Media's bytes are stored. A Media is created with the message, empty (`size` 0),
 * and filled when its MediaUrl has been fetched; an empty file is never stored (Twilio fails it
 * with 11200), so `size` 0 always means "not fetched (yet)".
 */
export const isStored = (m: Pick<MediaRecord, 'size'>): boolean => m.size > 0;

/**
 * The Media rows of a new message, one per MediaUrl in order, not fetched yet: stored in the
 * message's own transaction so `num_media` and the Media list agree from the first read on.
 */
export function pendingMedia(ids: Ids, message: Message, urls: readonly string[]): NewMedia[] {
  return urls.map((url, position) => ({
    sid: ids.sid('ME'),
    accountSid: message.accountSid,
    messageSid: message.sid,
    position,
    contentType: guessContentType(url),
    size: 0,
    sourceUrl: url,
    dateCreated: message.dateCreated,
    dateUpdated: message.dateCreated,
    content: new Uint8Array(0),
  }));
}
