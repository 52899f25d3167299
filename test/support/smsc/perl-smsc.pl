#!/usr/bin/perl
# A tiny SMSC written with Debian's Net::SMPP (libnet-smpp-perl), so Loft's SMPP client is
# tested against a codec it did not write. One transceiver connection: answers bind,
# enquire_link and submit_sm (message_id in upper-case hex), sends a DELIVRD receipt for every
# accepted submit_sm (receipted_message_id TLV plus the id in the text), sends one MO after the
# first submit, prints what it decoded ("SUBMIT …", "RESP …") on stdout, and exits on unbind.
use strict;
use warnings;
use Net::SMPP;

$| = 1;
my $server = Net::SMPP->new_listen('127.0.0.1', port => 0, smpp_version => 0x34)
  or die "cannot listen: $!";
print 'LISTENING ', $server->sockport, "\n";
my $c = $server->accept or die "accept failed";
my $next_id = 0xABC00;
my $mo_sent = 0;

while (1) {
  my $pdu = $c->read_pdu() or exit 0;
  my $cmd = $pdu->{cmd};
  if ($cmd == 0x00000009) {
    $c->bind_transceiver_resp(system_id => 'PERLSMSC', seq => $pdu->{seq});
    print "BOUND $pdu->{system_id}\n";
  } elsif ($cmd == 0x00000015) {
    $c->enquire_link_resp(seq => $pdu->{seq});
  } elsif ($cmd == 0x00000004) {
    my $id = sprintf('%X', $next_id++);
    printf "SUBMIT dest=%s ton=%d dc=%d esm=%d reg=%d sm=%s\n", $pdu->{destination_addr},
      $pdu->{dest_addr_ton}, $pdu->{data_coding}, $pdu->{esm_class}, $pdu->{registered_delivery},
      unpack('H*', $pdu->{short_message});
    $c->submit_sm_resp(message_id => $id, seq => $pdu->{seq});
    $c->deliver_sm(
      esm_class => 0x04,
      source_addr => $pdu->{destination_addr},
      destination_addr => $pdu->{source_addr},
      short_message => "id:$id sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 stat:DELIVRD err:000 text:",
      receipted_message_id => "$id\0",
      async => 1,
    );
    if (!$mo_sent++) {
      $c->deliver_sm(
        source_addr_ton => 1, source_addr_npi => 1, source_addr => '447700900123',
        dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => '15550001111',
        data_coding => 0, short_message => 'Hello from Perl', async => 1,
      );
    }
  } elsif ($cmd == 0x80000005) {
    print "RESP deliver_sm status=$pdu->{status}\n";
  } elsif ($cmd == 0x00000006) {
    $c->unbind_resp(seq => $pdu->{seq});
    print "UNBOUND\n";
    exit 0;
  } else {
    $c->generic_nack(status => 0x03, seq => $pdu->{seq});
  }
}
