// A disk's attributes read as libvirt 9.0's virDomainDiskDefParseXML reads them: each enum, switch and number, in its order and words.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, type XmlElement } from '../xml-tree.js';
import { DISK_BUSES, DISK_DEVICES, enumAttribute, STORAGE_FORMATS } from './xml-enum.js';
import { propUInt } from './xml-prop.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);

/** virTristateBool and virTristateSwitch as virXMLPropTristate* read them (their `absent` refused). */
export const YES_NO: ReadonlySet<string> = new Set(['yes', 'no']);
export const ON_OFF: ReadonlySet<string> = new Set(['on', 'off']);

/** virDomainDiskModel (its `default` accepted: the attribute is read without VIR_XML_PROP_NONZERO). */
const DISK_MODELS: ReadonlySet<string> = new Set(['default', 'virtio', 'virtio-transitional', 'virtio-non-transitional']);
/** virDomainSnapshotLocation without `default`. */
const SNAPSHOT_LOCATIONS: ReadonlySet<string> = new Set(['no', 'internal', 'external', 'manual']);
/** virDomainDeviceSGIO without `default`. */
const SGIO: ReadonlySet<string> = new Set(['filtered', 'unfiltered']);
/** virDomainStartupPolicy without `default`. */
const STARTUP_POLICIES: ReadonlySet<string> = new Set(['mandatory', 'requisite', 'optional']);
/** virDomainDiskTray. */
const TRAYS: ReadonlySet<string> = new Set(['closed', 'open']);
/** virDomainDiskGeometryTrans without `default`. */
const GEOMETRY_TRANS: ReadonlySet<string> = new Set(['none', 'auto', 'lba']);
/** virDomainDiskCache (its `default` accepted). */
const CACHE_MODES: ReadonlySet<string> = new Set(['default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe']);
/** virDomainDiskErrorPolicy without `default`. */
const ERROR_POLICIES: ReadonlySet<string> = new Set(['stop', 'report', 'ignore', 'enospace']);
/** virDomainDiskIo without `default`. */
const IO_MODES: ReadonlySet<string> = new Set(['native', 'threads', 'io_uring']);
/** virDomainDiskDiscard without `default`. */
const DISCARD_MODES: ReadonlySet<string> = new Set(['unmap', 'ignore']);
/** virDomainDiskDetectZeroes without `default`. */
const DETECT_ZEROES: ReadonlySet<string> = new Set(['off', 'on', 'unmap']);
/** virStorageFileFormat without `none`, and Xen's `aio`. */
const DRIVER_FORMATS: ReadonlySet<string> = new Set(['aio', ...STORAGE_FORMATS]);

/** virXMLPropUInt with VIR_XML_PROP_NONZERO. */
function propNonZeroUInt(el: XmlElement, name: string): void {
  if (propUInt(el, name, 10) === 0) {
    throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `Invalid value for attribute '${name}' in element '${el.name}': Zero is not permitted`);
  }
}

/** virDomainVirtioOptionsParseXML on a `<driver>`: its switches. */
export function checkVirtioOptions(driver: XmlElement): void {
  for (const name of ['iommu', 'ats', 'packed', 'page_per_vq']) enumAttribute(driver, name, ON_OFF);
}

/** virDomainDiskDefDriverParseXML, then virDomainDiskDefDriverSourceParseXML's format. */
function checkDiskDriver(driver: XmlElement): void {
  checkVirtioOptions(driver);
  enumAttribute(driver, 'cache', CACHE_MODES);
  enumAttribute(driver, 'error_policy', ERROR_POLICIES);
  if (enumAttribute(driver, 'rerror_policy', ERROR_POLICIES) === 'enospace') throw unsupported("Invalid disk read error policy: 'enospace'");
  enumAttribute(driver, 'io', IO_MODES);
  for (const name of ['ioeventfd', 'event_idx', 'copy_on_read']) enumAttribute(driver, name, ON_OFF);
  enumAttribute(driver, 'discard', DISCARD_MODES);
  propNonZeroUInt(driver, 'iothread');
  enumAttribute(driver, 'detect_zeroes', DETECT_ZEROES);
  propUInt(driver, 'queues', 10);
  propUInt(driver, 'queue_size', 10);
  const format = driver.attributes.get('type');
  if (format !== undefined && !DRIVER_FORMATS.has(format)) throw unsupported(`unknown driver format value '${format}'`);
}

/**
 * virDomainDiskDefParseXML's reads after the source, in its order: the disk's device, model,
 * snapshot, rawio and sgio; the source's startupPolicy; the target's bus, tray, removable and
 * rotation_rate; geometry; blockio; the driver; a transient disk's shareBacking.
 */
export function checkDiskAttributes(el: XmlElement): void {
  enumAttribute(el, 'device', DISK_DEVICES);
  enumAttribute(el, 'model', DISK_MODELS);
  enumAttribute(el, 'snapshot', SNAPSHOT_LOCATIONS);
  enumAttribute(el, 'rawio', YES_NO);
  enumAttribute(el, 'sgio', SGIO);
  const source = childElement(el, 'source');
  if (source) enumAttribute(source, 'startupPolicy', STARTUP_POLICIES);
  const target = childElement(el, 'target');
  if (target) {
    enumAttribute(target, 'bus', DISK_BUSES);
    enumAttribute(target, 'tray', TRAYS);
    enumAttribute(target, 'removable', ON_OFF);
    propUInt(target, 'rotation_rate', 10);
  }
  const geometry = childElement(el, 'geometry');
  if (geometry) {
    for (const name of ['cyls', 'heads', 'secs']) propUInt(geometry, name, 10);
    enumAttribute(geometry, 'trans', GEOMETRY_TRANS);
  }
  const blockio = childElement(el, 'blockio');
  if (blockio) for (const name of ['logical_block_size', 'physical_block_size']) propUInt(blockio, name, 10);
  const driver = childElement(el, 'driver');
  if (driver) checkDiskDriver(driver);
  const transient = childElement(el, 'transient');
  if (transient) enumAttribute(transient, 'shareBacking', YES_NO);
}
