/*
 * webui.h - the web GUI's side of the HTTP server: the embedded files and
 * the few endpoints only the pages need (webui.c).
 */
#ifndef FOOTFALLD_WEBUI_H
#define FOOTFALLD_WEBUI_H

#include "http_internal.h"

/* Serves an embedded file of the web GUI for GET/HEAD of a non-API path
 * ("/" is index.html); 404 for a path that is not one, 405 for other
 * methods. */
enum MHD_Result fd_webui_serve(fd_req *r, const char *url);

/* GET /api/v1/scene: what the live view draws for every role (the rules'
 * geometry and the preview mode), without the admin-only configuration. */
enum MHD_Result fd_webui_scene(fd_req *r);

/* PUT /api/v1/password/questions: new security questions, with the admin
 * password as proof. */
enum MHD_Result fd_webui_questions_put(fd_req *r);

#endif
