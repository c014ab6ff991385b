// Where libvirt puts each controller among the others, and the index it gives one that has none.
import type { ControllerSpec, DeviceSpec, DomainSpec } from './domain-spec.js';

const hasMaster = (controller: ControllerSpec) => controller.children.some((c) => c.name === 'master');

/**
 * Inserts `controller` among the controllers of `devices` where libvirt's
 * virDomainControllerInsertPreAlloced puts it: after the last controller of its type when it has
 * no index yet, else before the first of its type with a higher index (and before a USB companion
 * of the same index, when it is the master), else after the last of its type; at the end when
 * none has its type.
 */
export function insertController(devices: DeviceSpec[], controller: ControllerSpec): void {
  const controllers = devices.flatMap((d, at) => (d.kind === 'controller' ? [{ d, at }] : []));
  let insertAt = -1;
  for (let i = controllers.length - 1; i >= 0; i--) {
    const current = controllers[i]!.d;
    if (current.type !== controller.type) continue;
    if (controller.index === -1) {
      insertAt = i + 1;
      break;
    }
    if (current.index > controller.index) insertAt = i;
    else if (!hasMaster(controller) && hasMaster(current) && current.index === controller.index) insertAt = i;
    else if (insertAt === -1) insertAt = i + 1;
  }
  if (insertAt === -1 || insertAt >= controllers.length) {
    const last = controllers[controllers.length - 1];
    devices.splice(last ? last.at + 1 : devices.length, 0, controller);
    return;
  }
  devices.splice(controllers[insertAt]!.at, 0, controller);
}

const USB2_MODELS = new Set(['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3']);
const isUsb2 = (c: ControllerSpec) => c.type === 'usb' && c.model !== undefined && USB2_MODELS.has(c.model);

/**
 * libvirt's virDomainAssignControllerIndexes: a controller without an index gets the lowest unused
 * one of its type; a USB2 companion right after another USB2 controller joins that one's index,
 * unless a controller of its own model already has it.
 */
export function assignControllerIndexes(spec: DomainSpec): void {
  const controllers = spec.devices.filter((d): d is ControllerSpec => d.kind === 'controller');
  controllers.forEach((controller, outer) => {
    if (controller.index !== -1) return;
    let previous: ControllerSpec | undefined;
    if (outer > 0 && isUsb2(controller)) {
      previous = controllers
        .slice(0, outer)
        .reverse()
        .find((c) => c.type === 'usb');
      if (previous && !isUsb2(previous)) previous = undefined;
      if (previous && controllers.some((c) => c.type === 'usb' && c.index === previous!.index && c.model === controller.model)) previous = undefined;
    }
    if (previous) {
      controller.index = previous.index;
      return;
    }
    let index = 0;
    while (controllers.some((c) => c.type === controller.type && c.index === index)) index++;
    controller.index = index;
  });
}
