/*
 * liveview.h - the HTTP handlers of the live view (liveview.c) for the
 * route table in http.c; the rest of its interface is in daemon.h.
 */
#ifndef FOOTFALLD_LIVEVIEW_H
#define FOOTFALLD_LIVEVIEW_H

#include "http_internal.h"

/* GET /api/v1/live/events: Server-Sent Events "counts" and "tracks". */
enum MHD_Result fd_h_live_events(fd_req *r);
/* GET /api/v1/live/video: MJPEG of the depth view. */
enum MHD_Result fd_h_live_video(fd_req *r);
/* GET /api/v1/live/snapshot: one JPEG of the depth view. */
enum MHD_Result fd_h_live_snapshot(fd_req *r);

#endif
