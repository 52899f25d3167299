/**
 * SMPP 3.4 PDU model: the commands Loft speaks, their ids (spec §5.1.2), and the mandatory
 * fields of each body, in wire order (spec §4). Optional parameters (TLVs) are kept as raw
 * tag/value pairs; `smpp.tlv.ts` reads and writes the ones Loft uses.
 */

/** command_id of each PDU Loft encodes or decodes. */
export const COMMAND_ID = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_receiver_resp: 0x80000001,
  bind_transmitter: 0x00000002,
  bind_transmitter_resp: 0x80000002,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  outbind: 0x0000000b,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
} as const;

/** A PDU's command by name. */
export type Command = keyof typeof COMMAND_ID;

const COMMAND_NAMES: ReadonlyMap<number, Command> = new Map(
  (Object.entries(COMMAND_ID) as Array<[Command, number]>).map(([name, id]) => [id, name]),
);

/** The command named by a command_id, or undefined for one Loft does not speak. */
export function commandName(id: number): Command | undefined {
  return COMMAND_NAMES.get(id);
}

/** The response command of a request (`submit_sm` → `submit_sm_resp`). */
export function responseOf(command: Command): Command {
  return commandName((COMMAND_ID[command] | 0x80000000) >>> 0) ?? 'generic_nack';
}

/** Whether a command is a response (bit 31 of its id set). */
export function isResponse(command: Command): boolean {
  return (COMMAND_ID[command] & 0x80000000) !== 0;
}

/** One optional parameter: tag and raw value. */
export interface Tlv {
  tag: number;
  value: Buffer;
}

/**
 * Every mandatory field Loft reads or writes, by its spec name in camelCase. Which ones a
 * command carries is its layout in {@link LAYOUTS}; absent fields encode as empty / 0.
 */
export interface PduFields {
  systemId?: string;
  password?: string;
  systemType?: string;
  interfaceVersion?: number;
  addrTon?: number;
  addrNpi?: number;
  addressRange?: string;
  serviceType?: string;
  sourceAddrTon?: number;
  sourceAddrNpi?: number;
  sourceAddr?: string;
  destAddrTon?: number;
  destAddrNpi?: number;
  destinationAddr?: string;
  esmClass?: number;
  protocolId?: number;
  priorityFlag?: number;
  scheduleDeliveryTime?: string;
  validityPeriod?: string;
  registeredDelivery?: number;
  replaceIfPresentFlag?: number;
  dataCoding?: number;
  smDefaultMsgId?: number;
  /** short_message; its sm_length is written from the buffer's length. */
  shortMessage?: Buffer;
  messageId?: string;
}

/** A decoded (or to be encoded) PDU. */
export interface Pdu {
  command: Command;
  /** command_status (0 in requests). */
  status: number;
  sequence: number;
  fields: PduFields;
  tlvs: Tlv[];
}

/** How a mandatory field is written: C-Octet String, one octet, or sm_length + octets. */
export type FieldKind = 'cstring' | 'u8' | 'sm';

type Layout = ReadonlyArray<readonly [keyof PduFields, FieldKind]>;

const BIND: Layout = [
  ['systemId', 'cstring'],
  ['password', 'cstring'],
  ['systemType', 'cstring'],
  ['interfaceVersion', 'u8'],
  ['addrTon', 'u8'],
  ['addrNpi', 'u8'],
  ['addressRange', 'cstring'],
];

/** submit_sm and deliver_sm share their mandatory fields (spec §4.4.1, §4.6.1). */
const SHORT_MESSAGE: Layout = [
  ['serviceType', 'cstring'],
  ['sourceAddrTon', 'u8'],
  ['sourceAddrNpi', 'u8'],
  ['sourceAddr', 'cstring'],
  ['destAddrTon', 'u8'],
  ['destAddrNpi', 'u8'],
  ['destinationAddr', 'cstring'],
  ['esmClass', 'u8'],
  ['protocolId', 'u8'],
  ['priorityFlag', 'u8'],
  ['scheduleDeliveryTime', 'cstring'],
  ['validityPeriod', 'cstring'],
  ['registeredDelivery', 'u8'],
  ['replaceIfPresentFlag', 'u8'],
  ['dataCoding', 'u8'],
  ['smDefaultMsgId', 'u8'],
  ['shortMessage', 'sm'],
];

const DATA_SM: Layout = [
  ['serviceType', 'cstring'],
  ['sourceAddrTon', 'u8'],
  ['sourceAddrNpi', 'u8'],
  ['sourceAddr', 'cstring'],
  ['destAddrTon', 'u8'],
  ['destAddrNpi', 'u8'],
  ['destinationAddr', 'cstring'],
  ['esmClass', 'u8'],
  ['registeredDelivery', 'u8'],
  ['dataCoding', 'u8'],
];

const MESSAGE_ID: Layout = [['messageId', 'cstring']];
const SYSTEM_ID: Layout = [['systemId', 'cstring']];

/** The mandatory fields of each command, in wire order (empty for header-only PDUs). */
export const LAYOUTS: Readonly<Record<Command, Layout>> = {
  generic_nack: [],
  bind_receiver: BIND,
  bind_receiver_resp: SYSTEM_ID,
  bind_transmitter: BIND,
  bind_transmitter_resp: SYSTEM_ID,
  bind_transceiver: BIND,
  bind_transceiver_resp: SYSTEM_ID,
  submit_sm: SHORT_MESSAGE,
  submit_sm_resp: MESSAGE_ID,
  deliver_sm: SHORT_MESSAGE,
  deliver_sm_resp: MESSAGE_ID,
  unbind: [],
  unbind_resp: [],
  outbind: [
    ['systemId', 'cstring'],
    ['password', 'cstring'],
  ],
  enquire_link: [],
  enquire_link_resp: [],
  data_sm: DATA_SM,
  data_sm_resp: MESSAGE_ID,
};
