import { describe, expect, it } from 'vitest';
import { dayOrWider, parseDateFilter } from '../../src/http/dates.js';

const second = (ms: number) => ({ from: ms, to: ms + 999 });
const span = (from: number, next: number) => ({ from, to: next - 1 });

describe('parseDateFilter: the forms Twilio answers with 200', () => {
  it("reads the spec's DateSent> examples", () => {
    // 06/11/2019 22:05:25 MST is 2019-06-11 22:05:25 at −07:00 (month first, MST fixed).
    expect(parseDateFilter('06/11/2019 22:05:25 MST')).toEqual(
      second(Date.UTC(2019, 5, 12, 5, 5, 25)),
    );
    expect(parseDateFilter('2019-06-11 22:05:25.000')).toEqual(
      second(Date.UTC(2019, 5, 11, 22, 5, 25)),
    );
    expect(parseDateFilter('Wed, 19 Jun 2019 22:04:00 -0000')).toEqual(
      second(Date.UTC(2019, 5, 19, 22, 4, 0)),
    );
  });

  it('reads a year and a month as the whole of it', () => {
    expect(parseDateFilter('2020')).toEqual(span(Date.UTC(2020, 0, 1), Date.UTC(2021, 0, 1)));
    expect(parseDateFilter('2020-12')).toEqual(span(Date.UTC(2020, 11, 1), Date.UTC(2021, 0, 1)));
    expect(parseDateFilter('2024-02')).toEqual(span(Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 1)));
    expect(parseDateFilter('2020-12-31')).toEqual(
      span(Date.UTC(2020, 11, 31), Date.UTC(2021, 0, 1)),
    );
  });

  it('reads the ISO forms of twilio-oai issue 21', () => {
    const t = Date.UTC(2020, 11, 12, 18, 53, 43);
    expect(parseDateFilter('2020-12-12T10:53:43-08:00')).toEqual(second(t));
    expect(parseDateFilter('2020-12-12T10:53:43.000-0800')).toEqual(second(t));
    expect(parseDateFilter('2020-12-12T18:53:43Z')).toEqual(second(t));
    expect(parseDateFilter('2020-12-12T20:53:43+02')).toEqual(second(t));
  });

  it('reads RFC 2822 with zone names, without a weekday or seconds', () => {
    const t = Date.UTC(2019, 5, 19, 22, 4, 0);
    expect(parseDateFilter('19 Jun 2019 22:04:00 +0000')).toEqual(second(t));
    expect(parseDateFilter('Wed, 19 Jun 2019 22:04 GMT')).toEqual(second(t));
    expect(parseDateFilter('Wed, 19 Jun 2019 15:04:00 PDT')).toEqual(second(t));
    expect(parseDateFilter('wed, 19 jun 2019 18:04:00 edt')).toEqual(second(t));
    expect(parseDateFilter('Wed, 19 Jun 2019')).toEqual(
      span(Date.UTC(2019, 5, 19), Date.UTC(2019, 5, 20)),
    );
  });

  it('reads month-first dates with or without a time or zone', () => {
    expect(parseDateFilter('6/11/2019')).toEqual(
      span(Date.UTC(2019, 5, 11), Date.UTC(2019, 5, 12)),
    );
    expect(parseDateFilter('06/11/2019 22:05:25')).toEqual(
      second(Date.UTC(2019, 5, 11, 22, 5, 25)),
    );
    expect(parseDateFilter('06/11/2019 22:05:25 -0700')).toEqual(
      second(Date.UTC(2019, 5, 12, 5, 5, 25)),
    );
  });

  it('refuses what is not a date', () => {
    for (const v of [
      'yesterday',
      '20',
      '2020-13',
      '2020-12-32',
      '13/11/2019 22:05:25 MST', // month 13
      '06/11/2019 22:05:25 XYZ', // unknown zone name
      '2020-12-12Z', // a zone on a bare date
      'Thu, 19 Jun 2019 22:04:00 -0000', // 19 June 2019 was a Wednesday
      '19 Foo 2019',
      '2020-12-12T10:53:43+24:00',
      '>=2019-08-08',
      '',
    ]) {
      expect(parseDateFilter(v), v).toBeNull();
    }
  });
});

describe('dayOrWider (DateSent=)', () => {
  it('widens a date-time to its UTC day and keeps a day, month or year', () => {
    const day = span(Date.UTC(2019, 5, 12), Date.UTC(2019, 5, 13));
    expect(dayOrWider(parseDateFilter('06/11/2019 22:05:25 MST')!)).toEqual(day);
    const year = parseDateFilter('2020')!;
    expect(dayOrWider(year)).toEqual(year);
    const month = parseDateFilter('2020-12')!;
    expect(dayOrWider(month)).toEqual(month);
  });
});
