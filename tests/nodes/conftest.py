from tests.plugins.object_store import object_store, s3_documents

__all__ = ["object_store", "s3_documents"]
