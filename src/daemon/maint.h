/*
 * maint.h - the maintenance endpoints of guide 5.6.5 (maint.c). Import of
 * the configuration is PUT /api/v1/config's handler under a second route.
 */
#ifndef FOOTFALLD_MAINT_H
#define FOOTFALLD_MAINT_H

#include "http_internal.h"

/* GET /api/v1/config/export: the configuration document as a download. */
enum MHD_Result fd_maint_export(fd_req *r);

/* POST /api/v1/maintenance/recovery: factory configuration, keeping the
 * users, the network section and the history; cumulative counts restart. */
enum MHD_Result fd_maint_recovery(fd_req *r);

/* POST /api/v1/maintenance/factory-reset {"password"}: with the admin
 * password, the daemon replies, wipes its data directory and restarts. */
enum MHD_Result fd_maint_factory_reset(fd_req *r);

/* POST /api/v1/maintenance/restart: replies, then restarts the daemon. */
enum MHD_Result fd_maint_restart_request(fd_req *r);

#endif
