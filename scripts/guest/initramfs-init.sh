#!/bin/busybox sh
# PID 1 of the guest's initramfs: load the drivers, put a writable overlay over
# the machine's own root filesystem (a read-only 9p share), mount the job's
# share, and hand over to the job's script as the new PID 1.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r module; do insmod "$module" || echo "initramfs: insmod $module failed"; done < /modules.order
mkdir -p /lower /rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose root /lower
mount -t tmpfs -o size=512m tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot
mkdir -p /newroot/job
mount -t 9p -o trans=virtio,version=9p2000.L job /newroot/job
# The job ends the guest with this busybox's poweroff: the machine's root has none.
cp /bin/busybox /newroot/busybox
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh /job/run.sh
