/**
 * SMPP 3.4 command_status values (spec §5.1.3) by name, and the formatter used in logs, bind
 * states and Twilio error messages: "ESME_RINVDSTADR (0x0000000B)".
 */

/** command_status name → value, for the statuses Loft names. */
export const COMMAND_STATUS = {
  ESME_ROK: 0x00,
  ESME_RINVMSGLEN: 0x01,
  ESME_RINVCMDLEN: 0x02,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RALYBND: 0x05,
  ESME_RINVPRTFLG: 0x06,
  ESME_RINVREGDLVFLG: 0x07,
  ESME_RSYSERR: 0x08,
  ESME_RINVSRCADR: 0x0a,
  ESME_RINVDSTADR: 0x0b,
  ESME_RINVMSGID: 0x0c,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RINVSYSID: 0x0f,
  ESME_RCANCELFAIL: 0x11,
  ESME_RREPLACEFAIL: 0x13,
  ESME_RMSGQFUL: 0x14,
  ESME_RINVSERTYP: 0x15,
  ESME_RINVNUMDESTS: 0x33,
  ESME_RINVDLNAME: 0x34,
  ESME_RINVDESTFLAG: 0x40,
  ESME_RINVSUBREP: 0x42,
  ESME_RINVESMCLASS: 0x43,
  ESME_RCNTSUBDL: 0x44,
  ESME_RSUBMITFAIL: 0x45,
  ESME_RINVSRCTON: 0x48,
  ESME_RINVSRCNPI: 0x49,
  ESME_RINVDSTTON: 0x50,
  ESME_RINVDSTNPI: 0x51,
  ESME_RINVSYSTYP: 0x53,
  ESME_RINVREPFLAG: 0x54,
  ESME_RINVNUMMSGS: 0x55,
  ESME_RTHROTTLED: 0x58,
  ESME_RINVSCHED: 0x61,
  ESME_RINVEXPIRY: 0x62,
  ESME_RINVDFTMSGID: 0x63,
  ESME_RX_T_APPN: 0x64,
  ESME_RX_P_APPN: 0x65,
  ESME_RX_R_APPN: 0x66,
  ESME_RQUERYFAIL: 0x67,
  ESME_RINVOPTPARSTREAM: 0xc0,
  ESME_ROPTPARNOTALLWD: 0xc1,
  ESME_RINVPARLEN: 0xc2,
  ESME_RMISSINGOPTPARAM: 0xc3,
  ESME_RINVOPTPARAMVAL: 0xc4,
  ESME_RDELIVERYFAILURE: 0xfe,
  ESME_RUNKNOWNERR: 0xff,
} as const;

/** A command_status Loft knows by name. */
export type CommandStatusName = keyof typeof COMMAND_STATUS;

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(COMMAND_STATUS).map(([name, value]) => [value, name]),
);

/** The status's name, or `UNKNOWN_STATUS` for values outside the table (vendor-specific ones). */
export function statusName(status: number): string {
  return NAMES.get(status) ?? 'UNKNOWN_STATUS';
}

/** "ESME_RINVDSTADR (0x0000000B)": the name and the 32-bit value in upper-case hex. */
export function formatStatus(status: number): string {
  const hex = (status >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `${statusName(status)} (0x${hex})`;
}

/** Statuses that mean "slow down and try again", never a failure of the message. */
export function isThrottle(status: number): boolean {
  return status === COMMAND_STATUS.ESME_RTHROTTLED || status === COMMAND_STATUS.ESME_RMSGQFUL;
}

/** Bind refusals caused by the credentials: retried at the back-off cap, and logged as errors. */
export function isCredentialsError(status: number): boolean {
  return (
    status === COMMAND_STATUS.ESME_RINVPASWD ||
    status === COMMAND_STATUS.ESME_RINVSYSID ||
    status === COMMAND_STATUS.ESME_RBINDFAIL ||
    status === COMMAND_STATUS.ESME_RINVSYSTYP
  );
}
