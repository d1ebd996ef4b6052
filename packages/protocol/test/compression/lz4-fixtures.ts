/**
 * LZ4 frames with linked blocks (librdkafka's default), made by liblz4 through Debian's
 * python3-lz4 4.0.2 from plainText(): 64 KiB blocks whose matches reach into the previous
 * block. linkedWithChecksums also sets content size, block and content checksums.
 */
/** A 3000-byte seeded pattern repeated to 200 KiB: linked blocks compress it 3x better than independent ones. */
export function plainText(): Buffer {
  let seed = 7;
  const pattern = Buffer.alloc(3000);
  for (let i = 0; i < pattern.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    pattern[i] = 97 + ((seed >>> 16) % 26);
  }
  const out = Buffer.alloc(200 * 1024);
  for (let i = 0; i < out.length; i++) out[i] = pattern[i % pattern.length]!;
  return out;
}

export const linkedWithChecksums = Buffer.from(
  'BCJNGFxAACADAAAAAAAGwwwAAP///////////////7R1ZWFjZnRjc2RiaHZxbWRrcHV3Z2FoamFybXhkb210b21hd3pwaXdxcmll' +
  'cnN3eWd5eHByaHRobXd0ZXNsbXBrYWx3YW16ZWhpaWloYXFjZG5sdmhhb3JlY3Rzdmxqem5kcmFzeW91emtyYnZrd2RjcmhzYnlz' +
  'cHpha2NkdGhzY3B6eWp1bnZ2eXB2d3BrdHN0YW5oZHZndGNla3h6d3hreHpwc3JyYW9pZ2hpZ2R4YmZ5YWJxdGhwYWlldGdnc3N5' +
  'c2ZxenJhaWZvdXFyd2Zub2t2b3NyY2xsZGFyam5kdHNhZGdjbGJid2xxYmZqbm5kd2JxanR0eW5obXNrdnRjZ3d3emRxbGN1aXhh' +
  'amhnbmV1cHNvcWFyc3B3Z3did29zaXp4cnN3dnpobGVieWZpZmV2cHNqdmpjZGFrcmhpZXhma25qaHNkbmN2Y2RpcGx4a2pzanlq' +
  'aGV3ZnlrenNrbWZsYm9yeGl2a2p2enp0ZHJ6bnFsZmRmZWlpcW9ib2x0bGt5c2l6cWN6em5zemV6Z2hwb2ZraGV0dXhkY3pua29i' +
  'Y3ViZWRuZnBzdm1tamRvdG1sdXp0dGdqa2VjbWhlZ2l3d3V4Y3phaWp4eG9mY3h1bnZnemVob25zZHFwb3N0dXpkeWJrbGt2YWht' +
  'ZWhjdm1nZHVlb2JkYnJ3bXlicGRmdnBnanZhaWFsYWtpcnZwaHB3YnZ2Z2huZGt1dWFjc3JsaGVieW9vbnJ0dHBwc3Bidnphd3Fs' +
  'cWduamdyZmZmZ3J6eXdoZXd0Y21yc253ZGFjcG5lcHhzZWJ3ZGx4dHB0aHFtdGd1dml3amRweXRsbGtscXBoaHh0dGdjd2Fhc3Jn' +
  'dXl1YWdpdW5yd29yeHFmbWt5ZnFubnZlcW9xZ3ZvcWFnb2puZ3Vob292c3VkYXd5ZmNiZ2t1dXNuZnRvZXhoYnhqbmphcGJ5aHhp' +
  'dHNicGdudm5paWVhZWF5bmVqb3Fkb3V5dHBwdGxmcXFhY2JpemFmd2tyaWxvYWJ0am9qbHJtcWRwaHl3ZmprbnJjeHRxcGxxY3Bw' +
  'eWFqb2JiZ2NxY3puY2tuY3dzd210bGdleXh4ZWlwcW1maGtidm9sZ2hzYW9lYXV6ZWZqcmV0eXZua3Zha3NucmdqY2ZucmJzY3Jo' +
  'dHhqd2xtYm51ZXJtaXZ4eWR5aXJneGlhdWRxcXFsemxpcG9iYW11eXZoeHRsc3Vpd2FwZHNtaG51cGNieW5qeWZxdndpdWNkY3hl' +
  'ZHJsb2tvb2JqZ3RsY2dubGRwaWNueG5wd3lndnNob2N0aHhhYWNsbW93b2lzcGtwZmp5aXBnaWt2empqYnFjbGxydWVuZ3hzdmRm' +
  'Y3ZidnR1YWh4Ym1raXJhcG5seHd3bWdndW51dmVsaWNmcWRrdHdtemhjb3lvam50eXB1YWJ6bmpqdnV2enB4a256bXlybnltYnl4' +
  'cW1udmljdHpnenJxcGR1eWtpenRuZml5anVpdmlubXhob2dpa3pkd2VndGF4aWZvbXd2dm5ha3hybWxwbXpydnlwcHVua3FhaXdx' +
  'eXVkdmF6ZGVyeWtnb2FocGl3c293Y3B0enhmd3F5Y3BpZ2FldXVsc2drdnNnZmdwZ2ZxY21tYWJncXllYnV3Y2Z5cmZtbnltZnNy' +
  'aXltdmdlcmtzeWl4anp3ZXhyaHhlYWt0c2hucHp1bm5mdHdkbGdub3RlZmF5a3Zoa3luaHRocW95Z294eWtod2hmcG9xbXhza3Js' +
  'aWlteWd1am1rYndjZHBtZnVvdnppZGVpZ2dwcHprZWt4anNscmV6aXRwbWNhcWZ5YWtkbGRmcnR3bHlxdHJwd2Rva3dnaHJyZ3Fz' +
  'ZnpjaGR5b2dqbHZqb21nZGtucWR6emd2anlqcmJsb25qbmhyd3d0Zm5mc2NxdnhpbWp5eHBkdXB1eHB0ZXd6dGJxc3Vqa3hrZGZ4' +
  'dGt4enliaG9oY3BwenJwcGx1Y3dndXp2dHhxeWhoamN2d21qZnRjamRpeXJjb2R2bGZnZGtlYWJ1a3ZwaHR1ZmVybHlkZ3djeG14' +
  'cW13dmt0YXdyYmpkZ25vcWZuY2JmampndmNzeWFuaWtycXp4eGVmY3JweGRod3lycHhjb3Vyb2xlbnRncGpnYnFmcXFxeHBjY2dj' +
  'cWR0dW1lZXd2emdrZG1oYmN5bHFrY29hY3Z4eHJwdXR1cmV4YmFkcG92dnpvc3lvbmRmY2xvZm5zYnVxaWxsbGV3amFqamVsem5q' +
  'aGlsb2JieXpnZGJvdmVlamxmdGpraXN1enBqc21vY2F1Y2lsY2lpaG9odWl3c3psaWlsb251cXp6aHJnamh0cXl1cW1qb2FkdnZs' +
  'YXFucnd1dnVrYXJ6bmFyZGd2cXJtYmpjZmltY3RnanR3b2xmaXVudWN4ZGVucnJkZ2lydWZ5cmJ5cGZ1Z3Ryd25naGF1Y3N4eHls' +
  'dHltZG50bmV6Z2xpaXF1anJiemt6c3FubHRkZ2JzbGZrbW1xdWVtdnhsb3BobWxrdGJpaGNmZ2h2dHptbWJjbHRmbXpxbXppZm9q' +
  'YWR5Y3F2Z3d5eW5pa3N6Z3ZycXljaW9saXV6dXNvcm11cnF1d3hndWRhcmVnaGVmZmphcmtha2NucWt2c3RjdXRvdnJiYmVnc2d4' +
  'eXpnaWVtdHVhY2RjaGp2b2tqYnp3ZG5wc2huZnJteGJnaWhxZ29ma2lncXNmYWtoY3hhY21sYnV3c3JoemdwdWttcGh4ZGNiam96' +
  'eGt5aWVyY2R0YnZmcXN3a3hsZHBmeHFweG1wZm1qZnFpeHljemFuZXlydm9xdnByeWJoZmJyYXBuandwZGZkeWx1dXRyY2Vic2ln' +
  'eW5mcXptaGNxeGRpdG93cXR6eXdtemlmd25iamJ3b2VvbGR3YWlwaWx0YW9nd3BsdXRtaHVhbXJ0anpyaHBwbGNvbWhqZGJ2bnZh' +
  'dWVzeWpoeGtlY2Flb254c2t4eHp1Y2FpdGx4dHd4c2Rpa2t3cGt5cW52dXBwbmF3eG5idXV4b3dqcGpmZmR0ZWV6aHNld2ZnYmZp' +
  'bGdlYmt5a2hqandlcXZ3c2N5dWdka2lnZXdteW1haHNkZHJ6amZzcHd0dHV3ZmNtcWxjd3R5bWJmanJob2RncXJ6ZHB0dmVybHdo' +
  'cnFpa3poYndxbW1nYnZnc3JnYWRoY3hsdHhteXVjeXlheGNhd3RkZWlqd2Jxb2pjdGN6aG94dXVodmhrYWZ5a3RkY2lhd2pwZHN3' +
  'YmJteXVhdHBkZmhzY2dwZWZkdWhjeXBtYndldGdpYmJucmR3enFwb2FtYnpzem56bXNyeGFpdmt0c2pwdHp1c3p5dWhzaGZic2Zy' +
  'aGd6ZWZmeWxxZXBnZGFmeXlxdGVyam54ZHB4b2t1cmtncWN3c3FwaGxzYnVsbWNuYXdmcGlpdmpmbGFjZHpzcXZicXN5YWlkb2Rh' +
  'dGV5dmJkYmR3Y2R5dHpueXJucWN6eW12d2xkc29kcmZ5dmtqYnl5cmVqZXRoaXN0Z2N3ZXhmdHp6YXl6YWJiem9uenFmaWVxam5m' +
  'bnphdGpjY2FucXlwaXZjb2JocnB1cHpieGJ4b3J0Z2hvYmZmbXBramhna3N5aWRzaHZvZWFlZXZiaHpsbG1yZWF0aW5lZXdndHZs' +
  'YmJreHhldmFkYm5oZW9yYnNjYWp0eWN2aGRmeXNsaHphdHhwYWZyYmJzYWhoYWNqdWN1Y2RoYmVtYmtwbGlzaG1sZ2x1Ym9mdHBi' +
  'ZmJhd3ZxcG51ZmFhbXp2cm5vanZnY3NyanZxcWt3eXlja3R3eHNsbGRnbXlrbGttcmdjZ3l2YnNpbWNzZW51emFiZXl5anVma3h2' +
  'bnRwYXZqZ29sYmt5ZWNvd2d2a2dhamlxcmpjZ2JocnhkbnVraXh0Y2NzbGh2amVkbXB1bWhud3JpaHN6dGFzcG1vdmJjeXp5aGpm' +
  'dGF3aGhscWtldGZkdGRidWZicXB5dWNzZmRhcHh5b3q4C///////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////JVBhZnl5cVf/N8QKAQAADxj2////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '/////////////////////////////////////+hQenhreWlVus2ACgEAAA+4C///////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '///oUHBqZ2JxCkq/KioAAAAPGPb//////////////////////////////////////////whQam9iYmehf7VNAAAAAHPlGp0=', 'base64');

export const linkedPlain = Buffer.from(
  'BCJNGEBAwMMMAAD///////////////+0dWVhY2Z0Y3NkYmh2cW1ka3B1d2dhaGphcm14ZG9tdG9tYXd6cGl3cXJpZXJzd3lneXhw' +
  'cmh0aG13dGVzbG1wa2Fsd2FtemVoaWlpaGFxY2RubHZoYW9yZWN0c3ZsanpuZHJhc3lvdXprcmJ2a3dkY3Joc2J5c3B6YWtjZHRo' +
  'c2NwenlqdW52dnlwdndwa3RzdGFuaGR2Z3RjZWt4end4a3h6cHNycmFvaWdoaWdkeGJmeWFicXRocGFpZXRnZ3NzeXNmcXpyYWlm' +
  'b3Vxcndmbm9rdm9zcmNsbGRhcmpuZHRzYWRnY2xiYndscWJmam5uZHdicWp0dHluaG1za3Z0Y2d3d3pkcWxjdWl4YWpoZ25ldXBz' +
  'b3FhcnNwd2d3Yndvc2l6eHJzd3Z6aGxlYnlmaWZldnBzanZqY2Rha3JoaWV4ZmtuamhzZG5jdmNkaXBseGtqc2p5amhld2Z5a3pz' +
  'a21mbGJvcnhpdmtqdnp6dGRyem5xbGZkZmVpaXFvYm9sdGxreXNpenFjenpuc3plemdocG9ma2hldHV4ZGN6bmtvYmN1YmVkbmZw' +
  'c3ZtbWpkb3RtbHV6dHRnamtlY21oZWdpd3d1eGN6YWlqeHhvZmN4dW52Z3plaG9uc2RxcG9zdHV6ZHlia2xrdmFobWVoY3ZtZ2R1' +
  'ZW9iZGJyd215YnBkZnZwZ2p2YWlhbGFraXJ2cGhwd2J2dmdobmRrdXVhY3NybGhlYnlvb25ydHRwcHNwYnZ6YXdxbHFnbmpncmZm' +
  'Zmdyenl3aGV3dGNtcnNud2RhY3BuZXB4c2Vid2RseHRwdGhxbXRndXZpd2pkcHl0bGxrbHFwaGh4dHRnY3dhYXNyZ3V5dWFnaXVu' +
  'cndvcnhxZm1reWZxbm52ZXFvcWd2b3FhZ29qbmd1aG9vdnN1ZGF3eWZjYmdrdXVzbmZ0b2V4aGJ4am5qYXBieWh4aXRzYnBnbnZu' +
  'aWllYWVheW5lam9xZG91eXRwcHRsZnFxYWNiaXphZndrcmlsb2FidGpvamxybXFkcGh5d2Zqa25yY3h0cXBscWNwcHlham9iYmdj' +
  'cWN6bmNrbmN3c3dtdGxnZXl4eGVpcHFtZmhrYnZvbGdoc2FvZWF1emVmanJldHl2bmt2YWtzbnJnamNmbnJic2NyaHR4andsbWJu' +
  'dWVybWl2eHlkeWlyZ3hpYXVkcXFxbHpsaXBvYmFtdXl2aHh0bHN1aXdhcGRzbWhudXBjYnluanlmcXZ3aXVjZGN4ZWRybG9rb29i' +
  'amd0bGNnbmxkcGljbnhucHd5Z3ZzaG9jdGh4YWFjbG1vd29pc3BrcGZqeWlwZ2lrdnpqamJxY2xscnVlbmd4c3ZkZmN2YnZ0dWFo' +
  'eGJta2lyYXBubHh3d21nZ3VudXZlbGljZnFka3R3bXpoY295b2pudHlwdWFiem5qanZ1dnpweGtuem15cm55bWJ5eHFtbnZpY3R6' +
  'Z3pycXBkdXlraXp0bmZpeWp1aXZpbm14aG9naWt6ZHdlZ3RheGlmb213dnZuYWt4cm1scG16cnZ5cHB1bmtxYWl3cXl1ZHZhemRl' +
  'cnlrZ29haHBpd3Nvd2NwdHp4ZndxeWNwaWdhZXV1bHNna3ZzZ2ZncGdmcWNtbWFiZ3F5ZWJ1d2NmeXJmbW55bWZzcml5bXZnZXJr' +
  'c3lpeGp6d2V4cmh4ZWFrdHNobnB6dW5uZnR3ZGxnbm90ZWZheWt2aGt5bmh0aHFveWdveHlraHdoZnBvcW14c2tybGlpbXlndWpt' +
  'a2J3Y2RwbWZ1b3Z6aWRlaWdncHB6a2VreGpzbHJleml0cG1jYXFmeWFrZGxkZnJ0d2x5cXRycHdkb2t3Z2hycmdxc2Z6Y2hkeW9n' +
  'amx2am9tZ2RrbnFkenpndmp5anJibG9uam5ocnd3dGZuZnNjcXZ4aW1qeXhwZHVwdXhwdGV3enRicXN1amt4a2RmeHRreHp5Ymhv' +
  'aGNwcHpycHBsdWN3Z3V6dnR4cXloaGpjdndtamZ0Y2pkaXlyY29kdmxmZ2RrZWFidWt2cGh0dWZlcmx5ZGd3Y3hteHFtd3ZrdGF3' +
  'cmJqZGdub3FmbmNiZmpqZ3Zjc3lhbmlrcnF6eHhlZmNycHhkaHd5cnB4Y291cm9sZW50Z3BqZ2JxZnFxcXhwY2NnY3FkdHVtZWV3' +
  'dnpna2RtaGJjeWxxa2NvYWN2eHhycHV0dXJleGJhZHBvdnZ6b3N5b25kZmNsb2Zuc2J1cWlsbGxld2phamplbHpuamhpbG9iYnl6' +
  'Z2Rib3ZlZWpsZnRqa2lzdXpwanNtb2NhdWNpbGNpaWhvaHVpd3N6bGlpbG9udXF6emhyZ2podHF5dXFtam9hZHZ2bGFxbnJ3dXZ1' +
  'a2Fyem5hcmRndnFybWJqY2ZpbWN0Z2p0d29sZml1bnVjeGRlbnJyZGdpcnVmeXJieXBmdWd0cnduZ2hhdWNzeHh5bHR5bWRudG5l' +
  'emdsaWlxdWpyYnprenNxbmx0ZGdic2xma21tcXVlbXZ4bG9waG1sa3RiaWhjZmdodnR6bW1iY2x0Zm16cW16aWZvamFkeWNxdmd3' +
  'eXluaWtzemd2cnF5Y2lvbGl1enVzb3JtdXJxdXd4Z3VkYXJlZ2hlZmZqYXJrYWtjbnFrdnN0Y3V0b3ZyYmJlZ3NneHl6Z2llbXR1' +
  'YWNkY2hqdm9ramJ6d2RucHNobmZybXhiZ2locWdvZmtpZ3FzZmFraGN4YWNtbGJ1d3NyaHpncHVrbXBoeGRjYmpvenhreWllcmNk' +
  'dGJ2ZnFzd2t4bGRwZnhxcHhtcGZtamZxaXh5Y3phbmV5cnZvcXZwcnliaGZicmFwbmp3cGRmZHlsdXV0cmNlYnNpZ3luZnF6bWhj' +
  'cXhkaXRvd3F0enl3bXppZnduYmpid29lb2xkd2FpcGlsdGFvZ3dwbHV0bWh1YW1ydGp6cmhwcGxjb21oamRidm52YXVlc3lqaHhr' +
  'ZWNhZW9ueHNreHh6dWNhaXRseHR3eHNkaWtrd3BreXFudnVwcG5hd3huYnV1eG93anBqZmZkdGVlemhzZXdmZ2JmaWxnZWJreWto' +
  'amp3ZXF2d3NjeXVnZGtpZ2V3bXltYWhzZGRyempmc3B3dHR1d2ZjbXFsY3d0eW1iZmpyaG9kZ3FyemRwdHZlcmx3aHJxaWt6aGJ3' +
  'cW1tZ2J2Z3NyZ2FkaGN4bHR4bXl1Y3l5YXhjYXd0ZGVpandicW9qY3RjemhveHV1aHZoa2FmeWt0ZGNpYXdqcGRzd2JibXl1YXRw' +
  'ZGZoc2NncGVmZHVoY3lwbWJ3ZXRnaWJibnJkd3pxcG9hbWJ6c3puem1zcnhhaXZrdHNqcHR6dXN6eXVoc2hmYnNmcmhnemVmZnls' +
  'cWVwZ2RhZnl5cXRlcmpueGRweG9rdXJrZ3Fjd3NxcGhsc2J1bG1jbmF3ZnBpaXZqZmxhY2R6c3F2YnFzeWFpZG9kYXRleXZiZGJk' +
  'd2NkeXR6bnlybnFjenltdndsZHNvZHJmeXZramJ5eXJlamV0aGlzdGdjd2V4ZnR6emF5emFiYnpvbnpxZmllcWpuZm56YXRqY2Nh' +
  'bnF5cGl2Y29iaHJwdXB6YnhieG9ydGdob2JmZm1wa2poZ2tzeWlkc2h2b2VhZWV2Ymh6bGxtcmVhdGluZWV3Z3R2bGJia3h4ZXZh' +
  'ZGJuaGVvcmJzY2FqdHljdmhkZnlzbGh6YXR4cGFmcmJic2FoaGFjanVjdWNkaGJlbWJrcGxpc2htbGdsdWJvZnRwYmZiYXd2cXBu' +
  'dWZhYW16dnJub2p2Z2Nzcmp2cXFrd3l5Y2t0d3hzbGxkZ215a2xrbXJnY2d5dmJzaW1jc2VudXphYmV5eWp1Zmt4dm50cGF2amdv' +
  'bGJreWVjb3dndmtnYWppcXJqY2diaHJ4ZG51a2l4dGNjc2xodmplZG1wdW1obndyaWhzenRhc3Btb3ZiY3l6eWhqZnRhd2hobHFr' +
  'ZXRmZHRkYnVmYnFweXVjc2ZkYXB4eW96uAv/////////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '/////////////////////////////////////////////////////////////yVQYWZ5eXEKAQAADxj2////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '/////////////////////+hQenhreWkKAQAAD7gL////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '////////////////////////////////////////////////////////////////////////////////////////////////////' +
  '/////////////////////////////////////////////////////////////////////////////////+hQcGpnYnEqAAAADxj2' +
  '//////////////////////////////////////////8IUGpvYmJnAAAAAA==', 'base64');
