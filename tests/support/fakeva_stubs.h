/* SPDX-License-Identifier: MIT */
/* Generated from va/va_backend.h (struct VADriverVTable) by gen_fakeva_stubs.py: every
 * VAStatus entry of the vtable with its exact prototype, answering
 * VA_STATUS_ERROR_UNIMPLEMENTED. The fake driver overrides the few it implements.
 * Regenerate when moving to a libva with new vtable entries. */
#ifndef FAKEVA_STUBS_H
#define FAKEVA_STUBS_H

static VAStatus stub_vaTerminate(VADriverContextP ctx)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaQueryConfigProfiles(VADriverContextP ctx, VAProfile *profile_list, int *num_profiles)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaQueryConfigEntrypoints(VADriverContextP ctx, VAProfile profile, VAEntrypoint *entrypoint_list, int *num_entrypoints)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaGetConfigAttributes(VADriverContextP ctx, VAProfile profile, VAEntrypoint entrypoint, VAConfigAttrib *attrib_list, int num_attribs)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaCreateConfig(VADriverContextP ctx, VAProfile profile, VAEntrypoint entrypoint, VAConfigAttrib *attrib_list, int num_attribs, VAConfigID *config_id)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaDestroyConfig(VADriverContextP ctx, VAConfigID config_id)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaQueryConfigAttributes(VADriverContextP ctx, VAConfigID config_id, VAProfile *profile, VAEntrypoint *entrypoint, VAConfigAttrib *attrib_list, int *num_attribs)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaCreateSurfaces(VADriverContextP ctx, int width, int height, int format, int num_surfaces, VASurfaceID *surfaces)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaDestroySurfaces(VADriverContextP ctx, VASurfaceID *surface_list, int num_surfaces)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaCreateContext(VADriverContextP ctx, VAConfigID config_id, int picture_width, int picture_height, int flag, VASurfaceID *render_targets, int num_render_targets, VAContextID *context)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaDestroyContext(VADriverContextP ctx, VAContextID context)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaCreateBuffer(VADriverContextP ctx, VAContextID context, VABufferType type, unsigned int size, unsigned int num_elements, void *data, VABufferID *buf_id)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaBufferSetNumElements(VADriverContextP ctx, VABufferID buf_id, unsigned int num_elements)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaMapBuffer(VADriverContextP ctx, VABufferID buf_id, void **pbuf)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaUnmapBuffer(VADriverContextP ctx, VABufferID buf_id)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaDestroyBuffer(VADriverContextP ctx, VABufferID buffer_id)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaBeginPicture(VADriverContextP ctx, VAContextID context, VASurfaceID render_target)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaRenderPicture(VADriverContextP ctx, VAContextID context, VABufferID *buffers, int num_buffers)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaEndPicture(VADriverContextP ctx, VAContextID context)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaSyncSurface(VADriverContextP ctx, VASurfaceID render_target)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaQuerySurfaceStatus(VADriverContextP ctx, VASurfaceID render_target, VASurfaceStatus *status)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaQuerySurfaceError(VADriverContextP ctx, VASurfaceID render_target, VAStatus error_status, void **error_info)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaPutSurface(VADriverContextP ctx, VASurfaceID surface, void* draw, short srcx, short srcy, unsigned short srcw, unsigned short srch, short destx, short desty, unsigned short destw, unsigned short desth, VARectangle *cliprects, unsigned int number_cliprects, unsigned int flags)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaQueryImageFormats(VADriverContextP ctx, VAImageFormat *format_list, int *num_formats)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaCreateImage(VADriverContextP ctx, VAImageFormat *format, int width, int height, VAImage *image)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaDeriveImage(VADriverContextP ctx, VASurfaceID surface, VAImage *image)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaDestroyImage(VADriverContextP ctx, VAImageID image)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaSetImagePalette(VADriverContextP ctx, VAImageID image, unsigned char *palette)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaGetImage(VADriverContextP ctx, VASurfaceID surface, int x, int y, unsigned int width, unsigned int height, VAImageID image)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaPutImage(VADriverContextP ctx, VASurfaceID surface, VAImageID image, int src_x, int src_y, unsigned int src_width, unsigned int src_height, int dest_x, int dest_y, unsigned int dest_width, unsigned int dest_height)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaQuerySubpictureFormats(VADriverContextP ctx, VAImageFormat *format_list, unsigned int *flags, unsigned int *num_formats)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaCreateSubpicture(VADriverContextP ctx, VAImageID image, VASubpictureID *subpicture)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaDestroySubpicture(VADriverContextP ctx, VASubpictureID subpicture)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaSetSubpictureImage(VADriverContextP ctx, VASubpictureID subpicture, VAImageID image)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaSetSubpictureChromakey(VADriverContextP ctx, VASubpictureID subpicture, unsigned int chromakey_min, unsigned int chromakey_max, unsigned int chromakey_mask)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaSetSubpictureGlobalAlpha(VADriverContextP ctx, VASubpictureID subpicture, float global_alpha)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaAssociateSubpicture(VADriverContextP ctx, VASubpictureID subpicture, VASurfaceID *target_surfaces, int num_surfaces, short src_x, short src_y, unsigned short src_width, unsigned short src_height, short dest_x, short dest_y, unsigned short dest_width, unsigned short dest_height, unsigned int flags)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaDeassociateSubpicture(VADriverContextP ctx, VASubpictureID subpicture, VASurfaceID *target_surfaces, int num_surfaces)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaQueryDisplayAttributes(VADriverContextP ctx, VADisplayAttribute *attr_list, int *num_attributes)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaGetDisplayAttributes(VADriverContextP ctx, VADisplayAttribute *attr_list, int num_attributes)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaSetDisplayAttributes(VADriverContextP ctx, VADisplayAttribute *attr_list, int num_attributes)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaBufferInfo(VADriverContextP ctx, VABufferID buf_id, VABufferType *type, unsigned int *size, unsigned int *num_elements)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaLockSurface(VADriverContextP ctx, VASurfaceID surface, unsigned int *fourcc, unsigned int *luma_stride, unsigned int *chroma_u_stride, unsigned int *chroma_v_stride, unsigned int *luma_offset, unsigned int *chroma_u_offset, unsigned int *chroma_v_offset, unsigned int *buffer_name, void **buffer)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaUnlockSurface(VADriverContextP ctx, VASurfaceID surface)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaGetSurfaceAttributes(VADriverContextP dpy, VAConfigID config, VASurfaceAttrib *attrib_list, unsigned int num_attribs)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaCreateSurfaces2(VADriverContextP ctx, unsigned int format, unsigned int width, unsigned int height, VASurfaceID *surfaces, unsigned int num_surfaces, VASurfaceAttrib *attrib_list, unsigned int num_attribs)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaQuerySurfaceAttributes(VADriverContextP dpy, VAConfigID config, VASurfaceAttrib *attrib_list, unsigned int *num_attribs)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaAcquireBufferHandle(VADriverContextP ctx, VABufferID buf_id, VABufferInfo * buf_info)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaReleaseBufferHandle(VADriverContextP ctx, VABufferID buf_id)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaCreateMFContext(VADriverContextP ctx, VAMFContextID *mfe_context)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaMFAddContext(VADriverContextP ctx, VAMFContextID mf_context, VAContextID context)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaMFReleaseContext(VADriverContextP ctx, VAMFContextID mf_context, VAContextID context)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaMFSubmit(VADriverContextP ctx, VAMFContextID mf_context, VAContextID *contexts, int num_contexts)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaCreateBuffer2(VADriverContextP ctx, VAContextID context, VABufferType type, unsigned int width, unsigned int height, unsigned int *unit_size, unsigned int *pitch, VABufferID *buf_id)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaQueryProcessingRate(VADriverContextP ctx, VAConfigID config_id, VAProcessingRateParameter *proc_buf, unsigned int *processing_rate)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaExportSurfaceHandle(VADriverContextP ctx, VASurfaceID surface_id, uint32_t mem_type, uint32_t flags, void *descriptor)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaSyncSurface2(VADriverContextP ctx, VASurfaceID surface, uint64_t timeout_ns)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaSyncBuffer(VADriverContextP ctx, VABufferID buf_id, uint64_t timeout_ns)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus stub_vaCopy(VADriverContextP ctx, VACopyObject *dst, VACopyObject *src, VACopyOption option)
{
        return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static void fakeva_fill_stubs(struct VADriverVTable *vt)
{
        vt->vaTerminate = stub_vaTerminate;
        vt->vaQueryConfigProfiles = stub_vaQueryConfigProfiles;
        vt->vaQueryConfigEntrypoints = stub_vaQueryConfigEntrypoints;
        vt->vaGetConfigAttributes = stub_vaGetConfigAttributes;
        vt->vaCreateConfig = stub_vaCreateConfig;
        vt->vaDestroyConfig = stub_vaDestroyConfig;
        vt->vaQueryConfigAttributes = stub_vaQueryConfigAttributes;
        vt->vaCreateSurfaces = stub_vaCreateSurfaces;
        vt->vaDestroySurfaces = stub_vaDestroySurfaces;
        vt->vaCreateContext = stub_vaCreateContext;
        vt->vaDestroyContext = stub_vaDestroyContext;
        vt->vaCreateBuffer = stub_vaCreateBuffer;
        vt->vaBufferSetNumElements = stub_vaBufferSetNumElements;
        vt->vaMapBuffer = stub_vaMapBuffer;
        vt->vaUnmapBuffer = stub_vaUnmapBuffer;
        vt->vaDestroyBuffer = stub_vaDestroyBuffer;
        vt->vaBeginPicture = stub_vaBeginPicture;
        vt->vaRenderPicture = stub_vaRenderPicture;
        vt->vaEndPicture = stub_vaEndPicture;
        vt->vaSyncSurface = stub_vaSyncSurface;
        vt->vaQuerySurfaceStatus = stub_vaQuerySurfaceStatus;
        vt->vaQuerySurfaceError = stub_vaQuerySurfaceError;
        vt->vaPutSurface = stub_vaPutSurface;
        vt->vaQueryImageFormats = stub_vaQueryImageFormats;
        vt->vaCreateImage = stub_vaCreateImage;
        vt->vaDeriveImage = stub_vaDeriveImage;
        vt->vaDestroyImage = stub_vaDestroyImage;
        vt->vaSetImagePalette = stub_vaSetImagePalette;
        vt->vaGetImage = stub_vaGetImage;
        vt->vaPutImage = stub_vaPutImage;
        vt->vaQuerySubpictureFormats = stub_vaQuerySubpictureFormats;
        vt->vaCreateSubpicture = stub_vaCreateSubpicture;
        vt->vaDestroySubpicture = stub_vaDestroySubpicture;
        vt->vaSetSubpictureImage = stub_vaSetSubpictureImage;
        vt->vaSetSubpictureChromakey = stub_vaSetSubpictureChromakey;
        vt->vaSetSubpictureGlobalAlpha = stub_vaSetSubpictureGlobalAlpha;
        vt->vaAssociateSubpicture = stub_vaAssociateSubpicture;
        vt->vaDeassociateSubpicture = stub_vaDeassociateSubpicture;
        vt->vaQueryDisplayAttributes = stub_vaQueryDisplayAttributes;
        vt->vaGetDisplayAttributes = stub_vaGetDisplayAttributes;
        vt->vaSetDisplayAttributes = stub_vaSetDisplayAttributes;
        vt->vaBufferInfo = stub_vaBufferInfo;
        vt->vaLockSurface = stub_vaLockSurface;
        vt->vaUnlockSurface = stub_vaUnlockSurface;
        vt->vaGetSurfaceAttributes = stub_vaGetSurfaceAttributes;
        vt->vaCreateSurfaces2 = stub_vaCreateSurfaces2;
        vt->vaQuerySurfaceAttributes = stub_vaQuerySurfaceAttributes;
        vt->vaAcquireBufferHandle = stub_vaAcquireBufferHandle;
        vt->vaReleaseBufferHandle = stub_vaReleaseBufferHandle;
        vt->vaCreateMFContext = stub_vaCreateMFContext;
        vt->vaMFAddContext = stub_vaMFAddContext;
        vt->vaMFReleaseContext = stub_vaMFReleaseContext;
        vt->vaMFSubmit = stub_vaMFSubmit;
        vt->vaCreateBuffer2 = stub_vaCreateBuffer2;
        vt->vaQueryProcessingRate = stub_vaQueryProcessingRate;
        vt->vaExportSurfaceHandle = stub_vaExportSurfaceHandle;
        vt->vaSyncSurface2 = stub_vaSyncSurface2;
        vt->vaSyncBuffer = stub_vaSyncBuffer;
        vt->vaCopy = stub_vaCopy;
}

#endif
